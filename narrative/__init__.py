"""The domain: brain dumps -> entries, run linking, synthesis, answers, audits, engines, grounding.

Pure logic over plain data (``storage.records``, ``adapters.tracker``); never Slack, Teams, HTTP or
the CLI.
"""
