"""The VK community channel: customers write to the community, operators answer.

* :mod:`bots.vk.content` — VK message objects → core entities;
* :mod:`bots.vk.channel` — :class:`~bots.vk.channel.VkChannel`, core's CustomerChannel;
* :mod:`bots.vk.dispatch` — events → core use cases;
* :mod:`bots.vk.polling` / :mod:`bots.vk.callback_api` — receiving events, acknowledged
  only after they were handled;
* :mod:`bots.vk.uploads`, :mod:`bots.vk.peers`, :mod:`bots.vk.text`,
  :mod:`bots.vk.errors` — files, customers' names and clients, plain text, errors.
"""
