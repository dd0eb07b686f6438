"""The deploy pipeline: plain stages (lock, gate, backup, deploy, verify, decide), each recorded."""
