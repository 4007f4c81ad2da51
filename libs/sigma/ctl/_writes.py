"""The writes of one command, sent, checked by the server only (``--dry-run=server``), or not
sent at all (``--dry-run=client``).

A client dry run stops after every check sigmactl makes itself (the manifest parsed, the plan
against what the cluster holds now, flags in range) and keeps the requests it would have sent;
reads still go out, as ``kubectl --dry-run=client`` reads too. A server dry run sends each
write with ``dry_run`` set: the apiserver validates it against the stored object and answers
what it would have written, and writes nothing. ``calls`` keeps every (method, request,
answer) so ``-o json`` can print exactly what was, or would have been, sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from sigma.ctl._client import Client
from sigma.errors import Invalid

MODES = ("none", "client", "server")
_SUFFIX = {"none": "", "client": " (dry run)", "server": " (server dry run)"}


def mode(value: str | None) -> str:
    """``--dry-run``'s value; a bare ``--dry-run`` is ``client``, as kubectl's is."""
    if value is None:
        return "none"
    if value not in MODES:
        raise Invalid("--dry-run", f"{value!r} is not one of {', '.join(MODES)}")
    return value


@dataclass
class Writer:
    client: Client
    dry_run: str = "none"
    calls: list[tuple[str, Message, Message | None]] = field(default_factory=list)

    @property
    def suffix(self) -> str:
        """What a printed line adds: `` (dry run)``, `` (server dry run)`` or nothing."""
        return _SUFFIX[self.dry_run]

    @property
    def sends(self) -> bool:
        return self.dry_run != "client"

    async def send(self, service: str, method: str, request: Message) -> Any:
        """The apiserver's answer; None in a client dry run, which sends nothing."""
        if self.dry_run == "server":
            request.dry_run = True  # type: ignore[attr-defined]
        answer = await self.client.api(service, method, request) if self.sends else None
        self.calls.append((f"sigma.v1.{service}/{method}", request, answer))
        return answer

    def as_json(self) -> str:
        """Every call in order, as protobuf JSON: the request, and the answer when one came."""
        out = []
        for method, request, answer in self.calls:
            call: dict[str, Any] = {"method": method, "request": json_format.MessageToDict(request)}
            if answer is not None:
                call["response"] = json_format.MessageToDict(answer)
            out.append(call)
        return json.dumps(out, indent=2)
