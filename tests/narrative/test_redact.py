"""Secrets and e-mail addresses leave nothing the model sees; ids, numbers and prose stay intact."""

from __future__ import annotations

import pytest

from narrative.redact import Redactor, redact

SECRETS = {
    "anthropic key": ("my key is sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx-yz0123", "sk-ant-api03"),
    "openai key": ("OPENAI_API_KEY=sk-proj-AbCdEfGhIjKlMnOpQrSt1234", "AbCdEfGhIjKlMnOpQrSt1234"),
    "bare sk key": ("use sk-AbCdEfGhIjKlMnOpQrSt1234 for now", "sk-AbCdEfGhIjKlMnOpQrSt1234"),
    "slack bot token": ("token xoxb-1234567890-0987654321-AbCdEfGhIjKl", "xoxb-1234567890"),
    "slack user token": ("xoxp-1234567890-0987654321-AbCdEfGhIjKl", "xoxp-1234567890"),
    "slack app token": ("SLACK_APP_TOKEN xapp-1-A0123456789-0123456789-abcdef", "xapp-1-A0123456789"),
    "aws access key": ("aws AKIAIOSFODNN7EXAMPLE in the env", "AKIAIOSFODNN7EXAMPLE"),
    "github token": ("pushed with ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "ghp_AbCdEf"),
    "github fine-grained": ("github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "github_pat_11ABCDEFG"),
    "bearer header": ('curl -H "Authorization: Bearer abc123def456ghi789jkl"', "abc123def456ghi789jkl"),
    "password assignment": ("db password=Tr0ub4dor&3 works", "Tr0ub4dor&3"),
    "pwd colon": ("pwd: hunter2", "hunter2"),
    "json password": ('{"password": "s3cr3t-value"}', "s3cr3t-value"),
    "postgres url": ("postgresql://coco:hunter2@db.internal:5432/coco", "hunter2"),
    "mongodb url": ("mongodb+srv://admin:Pa55w0rd@cluster0.mongodb.net/test", "Pa55w0rd"),
    "wandb key": ("WANDB_API_KEY=0123456789abcdef0123456789abcdef01234567", "0123456789abcdef0123456789abcdef01234567"),
    "hf token": ("HF token hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567", "hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567"),
    "jwt": ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "dozjgNryP4J3jVmNHl0w5N"),
    "private key": ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
                    "b3BlbnNzaC1rZXktdjEAAAAA"),
    "email": ("ping alice.smith@corp.example when done", "alice.smith@corp.example"),
}


@pytest.mark.parametrize(("text", "secret"), SECRETS.values(), ids=list(SECRETS))
def test_secret_is_redacted(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert "[REDACTED" in out or "[email-" in out


@pytest.mark.parametrize("text", [
    "run 3f2a1b9c4d5e6f708192a3b4c5d6e7f8 reached val_auc 0.8123 (prefix 3f2a1b9c)",
    "git sha 9fceb02d0ae598e95dc970b74767f19372d61af8, lr=3e-4, batch 256, dropout .1",
    "metrics: f1=0.912 auc=0.95 loss 1.2e-3; hex colour #a1b2c3",
    "pad_token=0 max_tokens=512 and the secret: more data beats a clever model",
    "first pass: 0.81, second pass: 0.83",
    "http://mlflow.internal:5000/#/experiments/1/runs/3f2a1b9c4d5e6f708192a3b4c5d6e7f8",
    "the tokenizer vocab is 32000 tokens; key insight: augmentation helps",
    "Bearer of bad news: the baseline wins",
])
def test_ordinary_text_is_untouched(text: str) -> None:
    assert redact(text) == text


def test_connection_string_keeps_user_and_host() -> None:
    assert redact("postgresql://coco:hunter2@db.internal:5432/coco") == (
        "postgresql://coco:[REDACTED password]@db.internal:5432/coco"
    )


def test_emails_get_stable_pseudonyms_and_come_back() -> None:
    r = Redactor()
    assert r.text("alice@corp.example and bob@corp.example") == "[email-1] and [email-2]"
    assert r.text("ALICE@corp.example again") == "[email-1] again"
    assert r.restore({"x": ["[email-2] said so"]}) == {"x": ["bob@corp.example said so"]}


def test_objects_are_redacted_recursively() -> None:
    r = Redactor()
    out = r.obj({"params": {"db_url": "postgresql://u:pw123@h/db", "lr": "0.01"}, "user": "eve@corp.example"})
    assert out == {"params": {"db_url": "postgresql://u:[REDACTED password]@h/db", "lr": "0.01"}, "user": "[email-1]"}


def test_disabled_redactor_changes_nothing() -> None:
    text = "password=hunter2 alice@corp.example"
    assert Redactor(enabled=False).text(text) == text
