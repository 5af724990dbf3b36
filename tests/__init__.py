"""COCO tests."""
