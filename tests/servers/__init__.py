"""Local servers for the tests: fake platform APIs and the real servers' set-up."""
