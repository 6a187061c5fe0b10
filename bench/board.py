"""The idea-board scenario (``make bench ARGS="--scenario board"``).

N participants (default 500) on one open idea board: every participant posts a note
at a controlled rate, then the facilitator starts an upvote round and every participant
upvotes a few notes of others. Measured: ack latency, note-to-visible (a note posted ->
the ``item`` event carrying it reaching the other participants), upvote-to-visible (an
upvote -> a tally that includes it reaching the others, coalescing included), fan-out,
and whether every participant ends with the notes and votes the database holds.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid

from bench.clients import OPEN_TIMEOUT, Child, Participant

# The board's protocol (docs/protocol.md, "Idea board").
POST, UPVOTE = "post", "upvote"
START_VOTING = "start_voting"
COLUMNS = ["Challenges", "Solutions", "Who must act"]


def note_text(pid: int) -> str:
    return f"Note {pid}: traceability of battery minerals needs shared data"


class BoardChild(Child):
    """One load-generator process of the board scenario."""

    def __init__(self, conn, spec: dict) -> None:
        super().__init__(conn, spec)
        self.item_recv: dict[int, dict[str, float]] = {}  # pid -> note text -> recv time
        self.notes: dict[int, dict[int, str]] = {p.pid: {} for p in self.people}
        self.votes: dict[int, str] = {}
        self.observed = {p.pid for p in self.people[: spec["observers"]]}
        self.other_events: set[int] = set()  # seqs of room and item events

    def on_event(self, p: Participant, msg: dict, now: float) -> None:
        data = msg.get("data")
        if "seq" in msg:
            self.other_events.add(msg["seq"])
        if msg["name"] == "room":
            p.current = msg["data"]["current_activity"]
            if p.current is not None:
                p.current_event.set()
            for activity in msg["data"]["activities"]:
                if activity["id"] == p.current:
                    self.set_items(p, activity.get("items") or [])
        elif msg["name"] == "item" and data:
            self.apply_change(p, data, now)
        elif msg["name"] == "items" and data:
            for change in data["changes"]:
                self.apply_change(p, change, now)

    def apply_change(self, p: Participant, change: dict, now: float) -> None:
        if "note" in change:
            note = change["note"]
            self.notes[p.pid][note["id"]] = note["text"]
            if p.pid in self.observed:
                self.item_recv.setdefault(p.pid, {}).setdefault(note["text"], now)
        elif "removed" in change:
            self.notes[p.pid].pop(change["removed"], None)

    def set_items(self, p: Participant, items) -> None:
        notes = items.get("notes", []) if isinstance(items, dict) else items
        self.notes[p.pid] = {n["id"]: n["text"] for n in notes if "text" in n}

    async def act(self, p: Participant, activity: int, action: str, data) -> dict:
        ref = uuid.uuid4().hex[:12]
        fut = asyncio.get_running_loop().create_future()
        p.acks[ref] = fut
        sent = time.time()
        message = {
            "type": "act",
            "id": ref,
            "key": ref,
            "activity": activity,
            "action": action,
            "data": data,
        }
        await p.ws.send(json.dumps(message))
        try:
            acked, result = await asyncio.wait_for(fut, 60)
        except TimeoutError:
            acked, result = None, None
        return {"pid": p.pid, "sent": sent, "acked": acked, "data": data, "result": result}

    async def paced(self, schedule, order: dict) -> list[dict]:
        """Send ``schedule`` [(participant, action, data)] at ``order["rate"]`` per
        second, one command at a time per participant."""
        start, rate, activity = order["start_at"], order["rate"], order["activity"]
        tasks = []
        by_person: dict[int, asyncio.Task] = {}
        for i, (p, action, data) in enumerate(schedule):
            delay = start + i / rate - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            previous = by_person.get(p.pid)
            if previous is not None:
                await previous
            task = asyncio.get_running_loop().create_task(self.act(p, activity, action, data))
            by_person[p.pid] = task
            tasks.append(task)
        return list(await asyncio.gather(*tasks))

    async def main(self) -> None:
        await self.recv_order()  # "connect"
        started = time.time()
        results = await asyncio.gather(*(self.open_one(p) for p in self.people))
        self.conn.send(
            {
                "connected": sum(results),
                "failed": len(results) - sum(results),
                "started": started,
                "done": time.time(),
            }
        )
        order = await self.recv_order()  # post
        await asyncio.wait_for(
            asyncio.gather(*(p.current_event.wait() for p in self.people)), OPEN_TIMEOUT
        )
        schedule = [
            (p, POST, {"column": p.pid % len(COLUMNS), "text": note_text(p.pid)})
            for p in self.people
        ]
        posts = await self.paced(schedule, order)
        self.conn.send({"posts": posts})

        order = await self.recv_order()  # upvote
        rng = random.Random(self.spec["seed"])
        note_ids = order["notes"]  # note id -> author pid
        schedule = []
        for _round in range(order["per_person"]):
            for p in self.people:
                schedule.append((p, None, None))
        picks: dict[int, set[int]] = {p.pid: set() for p in self.people}
        filled = []
        for p, _, _ in schedule:
            choices = [
                int(n)
                for n, author in note_ids.items()
                if author != p.pid and int(n) not in picks[p.pid]
            ]
            note = rng.choice(choices)
            picks[p.pid].add(note)
            filled.append((p, UPVOTE, {"note": note}))
        upvotes = await self.paced(filled, order)
        self.conn.send({"upvotes": upvotes})

        finish = await self.recv_order()
        behind = await self.wait_caught_up(finish["as_of"], finish["timeout"])
        sample = self.people[: self.spec["observers"]]
        self.conn.send(
            {
                "fanout": self.fanout,
                "events": self.events,
                "item_recv": self.item_recv,
                "other_events": sorted(self.other_events),
                "observers": {p.pid: p.tally_recv for p in sample},
                "final_notes": [json.dumps(sorted(self.notes[p.pid])) for p in self.people],
                "final_tallies": [p.last_tally for p in self.people],
                "behind": behind,
                "errors": sum(p.errors for p in self.people),
                "gaps": sum(p.gaps for p in self.people),
            }
        )
        await self.recv_order()  # "close"
        await asyncio.gather(
            *(p.ws.close() for p in self.people if p.ws is not None), return_exceptions=True
        )


def board_child_main(conn, spec: dict) -> None:
    asyncio.run(BoardChild(conn, spec).main())


# --------------------------------------------------------------------------- parent side


def database_board(activity_id: int) -> tuple[dict[int, str], dict[int, int], str]:
    """Visible notes (id -> text), upvotes per note, and the tally as the kind computes it."""
    from django.db.models import Count

    from boards.models import Note, NoteVote
    from sessions.kinds import get_kind
    from sessions.models import Activity

    activity = Activity.objects.get(pk=activity_id)
    notes = dict(Note.objects.filter(activity=activity, hidden=False).values_list("id", "text"))
    votes = dict(
        NoteVote.objects.filter(note__activity=activity)
        .values("note")
        .annotate(n=Count("id"))
        .values_list("note", "n")
    )
    return notes, votes, json.dumps(get_kind(activity.kind).tally(activity), sort_keys=True)


def note_to_visible(posts: list[dict], item_recv: dict) -> list[float]:
    out = []
    for post in posts:
        text = post["data"]["text"]
        for pid, received in item_recv.items():
            if int(pid) != post["pid"] and text in received:
                out.append(received[text] - post["sent"])
    return out


def run_board(args) -> dict:
    from bench import room

    session, activity, cookie = room.prepare_database(
        0,
        {
            "kind": "idea_board",
            "title": "What stands in the way of responsible sourcing, and what would help?",
            "config": {"columns": COLUMNS, "mode": "open", "max_notes": 10},
        },
    )
    servers = room.Servers(args.workers)
    room.log(f"starting {args.workers} Daphne worker(s)")
    servers.start()
    try:
        return measure_board(args, session, activity, cookie, servers)
    finally:
        servers.stop()


def measure_board(args, session, activity, cookie, servers) -> dict:
    from bench import room

    pct = room.percentile
    started = time.time()
    participants = room.join_all(servers.ports, session.code, args.participants)
    join_s = time.time() - started
    room.log(f"{len(participants)} participants joined over HTTP in {join_s:.1f}s")
    rss_before = servers.rss_kb()
    pool = room.ClientPool(participants, args.client_procs, args.observers, target=board_child_main)
    pool.send("connect")
    reports = pool.recv()
    connected = sum(r["connected"] for r in reports)
    failed = sum(r["failed"] for r in reports)
    connect_s = max(r["done"] for r in reports) - min(r["started"] for r in reports)
    rss_after = servers.rss_kb()
    room.log(f"{connected} connected ({failed} failed) in {connect_s:.1f}s")

    port, code = servers.ports[0], session.code
    asyncio.run(room.facilitator_control(port, code, cookie, "open_activity", activity.pk))
    rate = args.rate / args.client_procs
    pool.send({"activity": activity.pk, "rate": rate, "start_at": time.time() + 1.0})
    posts = [v for r in pool.recv() for v in r["posts"]]
    acked_posts = [v for v in posts if v["acked"] is not None and "error" not in v["result"]]
    room.log(f"{len(acked_posts)}/{len(posts)} notes acked")

    notes_by_text, _, _ = database_board(activity.pk)
    author = {}
    by_text = {text: note_id for note_id, text in notes_by_text.items()}
    for post in acked_posts:
        note_id = by_text.get(post["data"]["text"])
        if note_id is not None:
            author[note_id] = post["pid"]
    asyncio.run(
        room.facilitator_control(
            port,
            code,
            cookie,
            "moderate",
            activity.pk,
            {"action": START_VOTING, "data": {"budget": max(3, args.upvotes)}},
        )
    )
    pool.send(
        {
            "activity": activity.pk,
            "rate": rate,
            "start_at": time.time() + 1.0,
            "notes": {str(k): v for k, v in author.items()},
            "per_person": args.upvotes,
        }
    )
    upvotes = [v for r in pool.recv() for v in r["upvotes"]]
    acked_upvotes = [v for v in upvotes if v["acked"] is not None and "error" not in v["result"]]
    room.log(f"{len(acked_upvotes)}/{len(upvotes)} upvotes acked")
    last_commit = max(v["result"]["at"] for v in acked_upvotes)
    pool.send({"as_of": last_commit, "timeout": 30})
    results = pool.recv()
    pool.close()

    events, observers, item_recv, others = {}, {}, {}, set()
    for r in results:
        others.update(r["other_events"])
        events.update(r["events"])
        observers.update(r["observers"])
        item_recv.update(r["item_recv"])
    fanout = [x for r in results for x in r["fanout"]]
    notes_visible = note_to_visible(acked_posts, item_recv)
    upvote_visible = room.vote_to_visible(acked_upvotes, events, observers)
    visible = notes_visible + upvote_visible
    tally_ts = sorted(e[0] for e in events.values())
    window = max(tally_ts[-1] - tally_ts[0], 1e-9) if len(tally_ts) > 1 else 1.0
    broadcasts = len(events) + len(others)

    db_notes, db_votes, db_tally = database_board(activity.pk)
    acked_note_ids = set(author)
    lost_notes = len(acked_posts) - len(acked_note_ids & set(db_notes))
    expected_votes: dict[int, int] = {}
    for vote in acked_upvotes:
        expected_votes[vote["data"]["note"]] = expected_votes.get(vote["data"]["note"], 0) + 1
    lost_votes = sum(max(0, n - db_votes.get(k, 0)) for k, n in expected_votes.items())
    extra_votes = sum(max(0, n - expected_votes.get(k, 0)) for k, n in db_votes.items())
    duplicates = (
        max(0, len(db_notes) - len(acked_posts))
        + extra_votes
        + sum(1 for v in [*acked_posts, *acked_upvotes] if v["result"].get("duplicate"))
    )
    expected_notes = json.dumps(sorted(db_notes))
    final_notes = [n for r in results for n in r["final_notes"]]
    final_tallies = [t for r in results for t in r["final_tallies"]]
    ack = [v["acked"] - v["sent"] for v in [*acked_posts, *acked_upvotes]]
    figures = {
        "scenario": "board",
        "participants": args.participants,
        "workers": args.workers,
        "client_processes": args.client_procs,
        "rate": args.rate,
        "join_api_s": round(join_s, 2),
        "connect_s": round(connect_s, 2),
        "failed_handshakes": failed,
        "notes_sent": len(posts),
        "notes_acked": len(acked_posts),
        "upvotes_sent": len(upvotes),
        "upvotes_acked": len(acked_upvotes),
        "ack_p50_ms": room.ms(pct(ack, 50)),
        "ack_p95_ms": room.ms(pct(ack, 95)),
        "ack_p99_ms": room.ms(pct(ack, 99)),
        "vote_to_visible_p50_ms": room.ms(pct(visible, 50)),
        "vote_to_visible_p95_ms": room.ms(pct(visible, 95)),
        "vote_to_visible_p99_ms": room.ms(pct(visible, 99)),
        "note_to_visible_p95_ms": room.ms(pct(notes_visible, 95)),
        "upvote_to_visible_p95_ms": room.ms(pct(upvote_visible, 95)),
        "vote_to_visible_samples": len(visible),
        "fanout_p50_ms": room.ms(pct(fanout, 50)),
        "fanout_p95_ms": room.ms(pct(fanout, 95)),
        "fanout_p99_ms": room.ms(pct(fanout, 99)),
        "broadcasts": broadcasts,
        "broadcasts_per_s": round(broadcasts / window, 2),
        "deliveries_per_s": round(len(fanout) / window, 1),
        "rss_per_participant_kb": round((rss_after - rss_before) / max(connected, 1), 1),
        "lost": lost_notes + lost_votes,
        "duplicates": duplicates,
        "db_notes": len(db_notes),
        "db_upvotes": sum(db_votes.values()),
        "clients_with_other_notes": sum(1 for n in final_notes if n != expected_notes),
        "clients_with_other_final_tally": sum(1 for t in final_tallies if t != db_tally),
        "clients_behind_at_end": sum(r["behind"] for r in results),
        "protocol_errors": sum(r["errors"] for r in results),
        "seq_gaps": sum(r["gaps"] for r in results),
    }
    figures.update(room.baseline(args, broadcasts / window, broadcasts, json.loads(db_tally)))
    base = figures["baseline_fanout_p95_ms"]
    figures["ratio_vs_baseline"] = (
        round(figures["fanout_p95_ms"] / base, 2) if base and figures["fanout_p95_ms"] else None
    )
    return figures
