"""Tests of the Slack test double (tests/slack_double)."""
