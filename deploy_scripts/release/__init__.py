"""A release: the deploy, its dry-run plan and the resumption of a rollout, composed from the
pipeline's stages (pipeline/), the traffic operations (rollout/) and operator control (control/).
It sits above all three so that none of them imports another's composition."""
