"""Ids of the users and channels the ``slack`` fixture sets up."""

ALICE = "U0ALICE001"
BOB = "U0BOB00001"
EXTERNAL = "U0EXT00001"
CHANNEL = "C0ACME0001"
SHARED = "C0SHARED01"
ELSEWHERE = "C0NOTBOT01"
