"""Which Bot API methods the sandbox implements, as a table for README.md.

The table is made from the method registry and the list of the Bot API's methods
(``bot_api_methods.json``, taken from the official spec), so it cannot drift:
``tests/sandbox/test_coverage.py`` fails when README.md is not what this module makes.

    python -m sandbox.telegram.coverage                     # rewrite the README table
    python -m sandbox.telegram.coverage --spec api.json     # first refresh the method list
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .methods import METHODS

HERE = Path(__file__).parent
NAMES = HERE / "bot_api_methods.json"
README = HERE.parent / "README.md"
BEGIN = "<!-- methods table: made by python -m sandbox.telegram.coverage -->"
END = "<!-- end of methods table -->"
COLUMNS = 3


def spec_methods() -> tuple[str, list[str]]:
    """The Bot API version and its method names, as ``bot_api_methods.json`` lists them."""
    data = json.loads(NAMES.read_text())
    return data["version"], list(data["methods"])


def implemented(names: list[str]) -> set[str]:
    """The names of ``names`` the registry has a handler for."""
    return {name for name in names if name.lower() in METHODS}


def unknown_handlers(names: list[str]) -> list[str]:
    """Registered method names that the Bot API does not have (should be none)."""
    known = {name.lower() for name in names}
    return sorted(name for name in METHODS if name not in known)


def table() -> str:
    """The Markdown table of every Bot API method, ✓ where the sandbox implements it."""
    version, names = spec_methods()
    done = implemented(names)
    cells = [f"`{name}` {'✓' if name in done else '—'}" for name in names]
    rows = [cells[i : i + COLUMNS] for i in range(0, len(cells), COLUMNS)]
    rows[-1] += [""] * (COLUMNS - len(rows[-1]))
    lines = [
        f"{len(done)} of the {len(names)} methods of {version} (✓ implemented, — not):",
        "",
        "| " + " | ".join(["method"] * COLUMNS) + " |",
        "|" + " --- |" * COLUMNS,
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
    return "\n".join(lines)


def with_table(readme: str) -> str:
    """``readme`` with the text between the markers replaced by :func:`table`."""
    head, _, rest = readme.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


def refresh_names(spec: Path) -> None:
    """Rewrite ``bot_api_methods.json`` from the official spec (``api.json``)."""
    data = json.loads(spec.read_text())
    names = [method["name"] for method in data["methods"].values()]
    listed = {"version": data["version"], "methods": names}
    NAMES.write_text(json.dumps(listed, indent=1, ensure_ascii=False) + "\n")


def main() -> None:
    """Refresh the method list (with ``--spec``) and rewrite the README table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, help="the Bot API spec (api.json)")
    args = parser.parse_args()
    if args.spec is not None:
        refresh_names(args.spec)
    README.write_text(with_table(README.read_text()))


if __name__ == "__main__":
    main()
