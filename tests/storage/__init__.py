"""Tests of the storage layer (SQLite always, PostgreSQL when COCO_TEST_POSTGRES_URL is set)."""
