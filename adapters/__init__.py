"""Trackers: one small ``Tracker`` protocol and its implementations, chosen by URI scheme."""
