"""Tests of the narrative domain (structuring, linking)."""
