"""Operator control of the live function: status, rollout promote/abort/watch, interrupted rollouts."""
