"""Tests of deadlines and time: the business calendar."""
