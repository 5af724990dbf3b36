"""Everything that talks to people: CLI, conversation layer, renderers, Slack/Teams front ends."""
