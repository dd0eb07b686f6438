"""Every traffic operation on the function's Cloud Run service, as the gcloud commands Google documents.

`gcloud run services update-traffic SERVICE` with `--to-revisions REV=P[,REV=P]`, `--to-tags TAG=P`,
`--update-tags TAG=REV` and `--remove-tags TAG` (cloud.google.com/run/docs/rollouts-rollbacks-traffic-migration).
The tags on the service are the cloud-side truth: `stable` names the verified revision, `candidate`
the one being rolled out; any machine with gcloud reads the same answer. Reads go through the
Cloud Run Admin API client (pipeline/cloud_reads.py), writes through the pipeline's gcloud runner.
"""

from __future__ import annotations

from pydantic import BaseModel

from ..pipeline.gcloud import Gcloud, location_flags

STABLE = "stable"
CANDIDATE = "candidate"
#: the revision `stable` named before the last promotion: where an emergency goes from a promoted one
PREVIOUS = "previous"
LATEST_TYPE = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"


class TrafficEntry(BaseModel):
    revision: str | None
    percent: int = 0
    tag: str | None = None
    #: the tag's own URL (status.traffic[].url / trafficStatuses[].uri): reaches this revision only
    url: str | None = None
    latest: bool = False


class TrafficView(BaseModel):
    """The service's traffic as Cloud Run reports it (trafficStatuses), read once."""

    entries: list[TrafficEntry] = []
    exists: bool = True

    def tagged(self, tag: str) -> TrafficEntry | None:
        return next((e for e in self.entries if e.tag == tag), None)

    @property
    def stable(self) -> str | None:
        entry = self.tagged(STABLE)
        return entry.revision if entry else None

    @property
    def candidate(self) -> str | None:
        entry = self.tagged(CANDIDATE)
        return entry.revision if entry else None

    def tag_url(self, tag: str) -> str | None:
        entry = self.tagged(tag)
        return entry.url if entry else None

    @property
    def weights(self) -> dict[str, int]:
        """revision -> percent of live traffic (revisions with none left out)."""
        split: dict[str, int] = {}
        for entry in self.entries:
            if entry.revision and entry.percent:
                split[entry.revision] = split.get(entry.revision, 0) + entry.percent
        return split

    @property
    def serving(self) -> str | None:
        """The revision receiving 100% of live traffic, or None while traffic is split."""
        return next((rev for rev, percent in self.weights.items() if percent == 100), None)

    def percent_of(self, revision: str | None) -> int:
        return self.weights.get(revision or "", 0)


def view_of(service: dict | None) -> TrafficView:
    """A Cloud Run v2 service (JSON) -> TrafficView; a LATEST entry names latestReadyRevision."""
    if not service:
        return TrafficView(exists=False)
    latest = (service.get("latestReadyRevision") or "").rsplit("/", 1)[-1] or None
    entries = []
    for status in service.get("trafficStatuses") or []:
        is_latest = status.get("type") == LATEST_TYPE
        revision = (status.get("revision") or "").rsplit("/", 1)[-1] or (latest if is_latest else None)
        entries.append(
            TrafficEntry(
                revision=revision,
                percent=int(status.get("percent") or 0),
                tag=status.get("tag") or None,
                url=status.get("uri") or None,
                latest=is_latest,
            )
        )
    return TrafficView(entries=entries)


class TrafficControl:
    """Moves the function's live traffic and tags; each method is one `gcloud run services update-traffic`."""

    def __init__(self, gcloud: Gcloud):
        self.gcloud = gcloud

    # -- reads ------------------------------------------------------------------------------------
    def view(self) -> TrafficView:
        return view_of(self.gcloud.service())

    # -- the commands (also what a dry run shows) ---------------------------------------------------
    def command(self, *flags: str) -> list[str]:
        env = self.gcloud.env
        return [
            "gcloud", "run", "services", "update-traffic", env.service, *flags, *location_flags(env), "--quiet",
        ]  # fmt: skip

    def pin_command(self, revision: str) -> list[str]:
        return self.command("--to-revisions", f"{revision}=100")

    def tag_command(self, revision: str, tag: str) -> list[str]:
        return self.command("--update-tags", f"{tag}={revision}")

    def untag_command(self, tag: str) -> list[str]:
        return self.command("--remove-tags", tag)

    def shift_command(self, candidate: str, percent: int, stable: str) -> list[str]:
        if percent >= 100:
            return self.pin_command(candidate)
        return self.command("--to-revisions", f"{candidate}={percent},{stable}={100 - percent}")

    def promote_command(self, candidate: str, previous: str | None = None) -> list[str]:
        tags = f"{STABLE}={candidate}" + (
            f",{PREVIOUS}={previous}" if previous and previous != candidate else ""
        )
        return self.command(
            "--to-revisions", f"{candidate}=100", "--update-tags", tags, "--remove-tags", CANDIDATE
        )

    def restore_command(self, revision: str, remove: list[str] | None = None) -> list[str]:
        """100% to `revision`, which becomes `stable`; `remove` drops tags (candidate, previous) at once."""
        flags = ["--to-revisions", f"{revision}=100", "--update-tags", f"{STABLE}={revision}"]
        return self.command(*flags, *(["--remove-tags", ",".join(remove)] if remove else []))

    def abort_command(self) -> list[str]:
        return self.command("--to-tags", f"{STABLE}=100", "--remove-tags", CANDIDATE)

    # -- the operations ---------------------------------------------------------------------------
    def pin(self, revision: str) -> None:
        """100% of live traffic to `revision` (a later deploy then gets 0%: pinned traffic stays)."""
        self.gcloud.run(self.pin_command(revision))

    def tag(self, revision: str, tag: str) -> None:
        """Give `revision` the tag (and with it its own URL); moves the tag if another revision had it."""
        self.gcloud.run(self.tag_command(revision, tag))

    def untag(self, tag: str) -> None:
        self.gcloud.run(self.untag_command(tag))

    def shift(self, candidate: str, percent: int, stable: str | None = None) -> None:
        """`percent` of live traffic to the candidate, the rest to stable (the `stable` tag's revision)."""
        stable = stable or self.view().stable
        if stable is None and percent < 100:
            raise ValueError(
                "no revision carries the `stable` tag: nothing to keep the rest of the traffic on"
            )
        self.gcloud.run(self.shift_command(candidate, percent, stable or candidate))

    def promote(self, candidate: str) -> None:
        """The candidate takes 100%, the `stable` tag moves to it (`previous` to the old stable),
        `candidate` is dropped."""
        self.gcloud.run(self.promote_command(candidate, self.view().stable))

    def restore(self, revision: str, view: TrafficView | None = None) -> None:
        """100% to a verified `revision`, tagged `stable`; a rollout under way loses its `candidate`."""
        view = view or self.view()
        remove = [
            t
            for t in (CANDIDATE, PREVIOUS)
            if view.tagged(t) and (t == CANDIDATE or view.tagged(t).revision == revision)
        ]
        self.gcloud.run(self.restore_command(revision, remove))

    def abort(self) -> None:
        """100% back to the revision tagged `stable`; the `candidate` tag is dropped."""
        self.gcloud.run(self.abort_command())

    def emergency(self) -> str:
        """Go where `emergency_target` says, in one `update-traffic`; the revision now serving 100%."""
        view = self.view()
        destination, _ = self.emergency_target(view)
        if destination is None:
            raise LookupError("the service's tags name no `stable` (or `previous`) revision to go back to")
        self.restore(destination, view)
        return destination

    def emergency_target(self, view: TrafficView) -> tuple[str | None, str | None]:
        """(where an emergency goes, what it abandons) by the tags alone: a rollout under way (a
        candidate, or live traffic off `stable`) goes back to `stable`; a promoted `stable` that
        serves everything goes back to `previous`. (None, None) when the tags do not say."""
        if view.stable and (view.candidate or view.serving != view.stable):
            return view.stable, view.candidate or next((r for r in view.weights if r != view.stable), None)
        previous = view.tagged(PREVIOUS)
        if view.stable and previous and previous.revision and previous.revision != view.stable:
            return previous.revision, view.stable
        return None, None
