"""Issue 11 point 3: a secret pasted into a note is removed where the text enters COCO, and the reply
says what was removed. Through the real `coco` binary: the entry, the run's MLflow note, the reply
and coco.log never hold it."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from narrative.redact import redact_at_door, removed_sentence
from tests.conftest import CocoCli, MlflowStore, RunSpec

GCP_JSON = json.dumps({
    "type": "service_account", "project_id": "acme-ml",
    "private_key_id": "3f9a0c1d2e4b5a6978877665544332211aabbccd",
    "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
                   "-----END PRIVATE KEY-----\n",
    "client_email": "trainer@acme-ml.iam.gserviceaccount.com"})

PLANTED = {
    "slack bot token": "xoxb-2718281828-3141592653-AbCdEfGhIjKlMnOpQrStUvWx",
    "slack refresh token": "xoxe.xoxp-1-Mi0yLTE0MjM0NTY3ODkwLTE0MjM0NTY3ODkw",
    "slack app token": "xapp-1-A0123456789-0123456789012-abcdef0123456789",
    "aws key id": "AKIAQ3EGRK7SEXAMPLE7",
    "aws secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCY9EXAMPLEKE",
    "anthropic": "sk-ant-api03-Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4OTA",
    "openai": "sk-proj-Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkwYWJj",
    "github": "ghp_R4nd0mL00k1ngT0k3nF0rT3st1ngAbCdEf12",
    "gcp api key": "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
    "url password": "hunter2-Sup3r",
    "token=": "9f8e7d6c5b4a39281706f5e4d3c2b1a0Zz",
    "key=": "k3Y9pQ2xV7mN4bL8sD1fG6hJ0tR5wZ",
}


def _note_with_secrets(run_id: str) -> str:
    return (f"xgb {run_id} reached .80 auc. creds for the record: slack {PLANTED['slack bot token']} "
            f"(refresh {PLANTED['slack refresh token']}), app {PLANTED['slack app token']}\n"
            f"aws_access_key_id {PLANTED['aws key id']}\naws {PLANTED['aws secret']}\n"
            f"ANTHROPIC_API_KEY={PLANTED['anthropic']} and openai {PLANTED['openai']}\n"
            f"gh {PLANTED['github']} maps {PLANTED['gcp api key']}\n"
            f"db postgresql://coco:{PLANTED['url password']}@db.internal:5432/coco\n"
            f"export WANDB token={PLANTED['token=']} cache key={PLANTED['key=']}\n"
            f"service account: {GCP_JSON}\n")


def test_the_door_names_each_kind_and_keeps_ordinary_text() -> None:
    door = redact_at_door(_note_with_secrets("3f2a1b9c4d5e6f708192a3b4c5d6e7f8"))
    for name, secret in PLANTED.items():
        assert secret not in door.text, name
    assert "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7" not in door.text
    assert "3f9a0c1d2e4b5a6978877665544332211aabbccd" not in door.text
    assert "3f2a1b9c4d5e6f708192a3b4c5d6e7f8" in door.text and "reached .80 auc" in door.text
    assert "trainer@acme-ml.iam.gserviceaccount.com" in door.text  # not a secret
    said = door.sentence
    assert said.startswith(f"Removed {len(door.removed)} secrets before saving: ")
    for phrase in ("a Slack token", "an AWS secret key", "an AWS access key id", "an Anthropic API key",
                   "an OpenAI API key", "a GitHub token", "a private key block", "a password in a URL"):
        assert phrase in said, phrase


@pytest.mark.parametrize("text", [
    "git 9fceb02d0ae598e95dc970b74767f19372d61af8 and run 3f2a1b9c4d5e6f708192a3b4c5d6e7f8",
    "sort key=val_auc, the key: augmentation; primary key=id",
    "lr=3e-4 batch 256, tokenizer max_tokens=512, key insight: more data",
])
def test_ordinary_text_passes_the_door(text: str) -> None:
    door = redact_at_door(text)
    assert door.text == text and not door.removed and door.sentence == ""


def test_the_sentence_counts_and_groups() -> None:
    assert removed_sentence(["slack-token", "aws-secret-key"]) == (
        "Removed 2 secrets before saving: a Slack token, an AWS secret key.")
    assert removed_sentence(["password"]) == "Removed 1 secret before saving: a password."
    assert removed_sentence(["github-token", "github-token"]) == (
        "Removed 2 secrets before saving: a GitHub token (x2).")


def test_no_planted_secret_reaches_the_entry_the_tracker_the_reply_or_the_log(
        coco: CocoCli, mlflow_store: MlflowStore, tmp_path: Path) -> None:
    from mlflow.tracking import MlflowClient

    run_id = mlflow_store.add(RunSpec("xgb-d4", "ana", dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
                                      metrics={"val_auc": 0.80}))
    assert coco("project", "add", "churn", "--mlflow-experiment", "churn-model").returncode == 0
    text = _note_with_secrets(run_id)
    shown = coco("log", "--project", "churn", "--author", "ana", "--at", "2026-03-02T18:00Z", stdin=text)
    assert shown.returncode == 0, shown.stderr.decode()
    as_json = coco("log", "--project", "churn", "--author", "ana", "--at", "2026-03-02T18:05Z", "--json",
                   stdin=text)
    entry = json.loads(as_json.stdout)
    assert entry["removed_secrets"] and run_id in [r["run_id"] for r in entry["runs"]]
    reply = shown.stdout.decode() + shown.stderr.decode() + as_json.stdout.decode() + as_json.stderr.decode()
    assert "Removed " in shown.stdout.decode() and "secrets before saving" in shown.stdout.decode()
    tags = MlflowClient(tracking_uri=mlflow_store.uri).get_run(run_id).data.tags
    note = tags.get("mlflow.note.content", "")
    assert entry["entry_id"] in note
    with sqlite3.connect(tmp_path / "coco.db") as conn:
        stored = json.dumps([list(map(str, r)) for r in conn.execute("SELECT * FROM coco_entry")])
    assert "reached .80 auc" in stored
    log = (Path(coco.env["COCO_HOME"]) / "coco.log").read_text()
    for name, secret in PLANTED.items():
        for where, seen in (("entry", stored), ("tracker note", note), ("reply", reply), ("log", log)):
            assert secret not in seen, (name, where)
