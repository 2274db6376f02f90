"""GET /healthz and GET /metrics on a real agent: /healthz answers without a
token and tells only ok and the version; /metrics wants the token as
Authorization: Bearer (401 without it or with a wrong one) and is read with
a real Prometheus text parser (python3-prometheus-client), whose values
follow what happens: sessions created, output typed, prompts that wait for
a person and for how long, auto-confirm answers, clients resuming."""

import asyncio
import json
import socket
import time

from prometheus_client.parser import text_string_to_metric_families

from agentlib import Agent, Client, run

DANGER = """think 300
ask bash rm -rf /
think 300
done
"""


def http(port, path, token=None, method="GET", auth=None):
    """One request; returns (status code, headers, body)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    req = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    if token is not None:
        req += f"Authorization: Bearer {token}\r\n"
    if auth is not None:
        req += f"Authorization: {auth}\r\n"
    s.sendall((req + "Connection: close\r\n\r\n").encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        headers[k.strip().lower().decode()] = v.strip().decode()
    return int(lines[0].split()[1]), headers, body


def scrape(agent):
    """Every sample of /metrics, as {(name, frozenset(labels)): value}."""
    status, headers, body = http(agent.port, "/metrics", agent.token)
    assert status == 200, (status, body[:200])
    out = {}
    for fam in text_string_to_metric_families(body.decode()):
        for s in fam.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out, headers


def val(m, name, **labels):
    return m.get((name, frozenset(labels.items())))


async def main(t):
    agent = Agent()
    agent.script(DANGER)
    with agent:
        p = agent.port
        status, headers, body = http(p, "/healthz")
        t.check("/healthz without a token -> 200", status == 200, (status, body))
        h = json.loads(body)
        t.check("/healthz tells ok and the version, nothing else",
                set(h) == {"status", "version"} and h["status"] == "ok", h)

        status, headers, body = http(p, "/metrics")
        t.check("/metrics without a token -> 401 with WWW-Authenticate: Bearer",
                status == 401 and headers.get("www-authenticate", "").startswith("Bearer")
                and b"cm_" not in body, (status, headers, body))
        status, _, body = http(p, "/metrics", "0" * len(agent.token))
        t.check("/metrics with a wrong token -> 401", status == 401 and b"cm_" not in body,
                (status, body))
        status, _, body = http(p, "/metrics", auth=agent.token)
        t.check("/metrics with the token but not as Bearer -> 401", status == 401, status)
        status, _, body = http(p, "/metrics", agent.token + "x")
        t.check("/metrics with a longer token -> 401", status == 401, status)

        m0, headers = scrape(agent)
        t.check("/metrics is Prometheus text 0.0.4",
                headers.get("content-type", "").startswith("text/plain; version=0.0.4"),
                headers)
        t.check("no session yet: every state reads 0",
                val(m0, "cm_sessions", state="idle") == 0 and
                val(m0, "cm_sessions", state="waiting_confirm") == 0, m0)
        t.check("agent_started was published once",
                val(m0, "cm_events_published_total", type="agent_started") == 1)
        t.check("transcript bytes read 0", val(m0, "cm_transcript_bytes") == 0)
        status, headers, body = http(p, "/metrics", agent.token, method="HEAD")
        t.check("HEAD /metrics -> 200, headers only",
                status == 200 and body == b"" and int(headers.get("content-length", 0)) > 0,
                (status, headers))

        async with Client(agent) as c:
            a = await c.new_session("cat")
            b = await c.new_session("cat")
            for sid in (a, b):
                await c.wait_listed(sid, ("idle",))
            m1, _ = scrape(agent)
            t.check("two idle sessions are counted",
                    val(m1, "cm_sessions", state="idle") == 2, val(m1, "cm_sessions",
                                                                   state="idle"))
            t.check("one client is counted", val(m1, "cm_clients") == 1, val(m1, "cm_clients"))
            t.check("session_created counted twice",
                    val(m1, "cm_events_published_total", type="session_created") == 2)
            t.check("the replay ring holds the events",
                    val(m1, "cm_replay_ring_events") >= 3 and
                    val(m1, "cm_replay_ring_capacity") > 0)
            out0 = val(m1, "cm_output_bytes_total")
            await c.request("send_keys", sessionId=a, keys="hello metrics", enter=True)
            await c.wait_screen(a, "hello metrics")
            await asyncio.sleep(0.3)
            m2, _ = scrape(agent)
            t.check("typed text shows up as output bytes",
                    val(m2, "cm_output_bytes_total") >= out0 + 13,
                    (out0, val(m2, "cm_output_bytes_total")))
            t.check("screen reads ran on the loop's timers: loop lag observed",
                    val(m2, "cm_event_loop_lag_seconds_count") > 0)

            # A dangerous prompt waits for a person.
            d = (await c.create("fake", task="clean up", autoConfirm=True))["sessionId"]
            need = await c.wait_event(lambda e: e.get("type") == "confirm_needed"
                                      and e.get("sessionId") == d, 15)
            t.check("the fake tool shows a prompt that waits", need is not None)
            await asyncio.sleep(1.2)
            m3, _ = scrape(agent)
            t.check("one prompt waiting", val(m3, "cm_prompts_waiting") == 1,
                    val(m3, "cm_prompts_waiting"))
            t.check("and its age grows past a second",
                    val(m3, "cm_prompt_wait_oldest_seconds") >= 1.0,
                    val(m3, "cm_prompt_wait_oldest_seconds"))
            t.check("sessions by state show it waiting",
                    val(m3, "cm_sessions", state="waiting_confirm") == 1)
            t.check("auto-confirm's refusal is counted by outcome",
                    val(m3, "cm_autoconfirm_decisions_total", outcome="refused") == 1 and
                    val(m3, "cm_autoconfirm_decisions_total", outcome="answered") == 0, m3)
            lat = val(m3, "cm_state_event_latency_seconds_count")
            t.check("state changes after output fill the latency histogram",
                    lat is not None and lat > 0 and
                    val(m3, "cm_state_event_latency_seconds_bucket", le="+Inf") == lat, lat)
            t.check("latency buckets are cumulative",
                    val(m3, "cm_state_event_latency_seconds_bucket", le="0.005") <=
                    val(m3, "cm_state_event_latency_seconds_bucket", le="0.1") <= lat)
            await c.request("confirm", sessionId=d, approve=False)
            await c.wait_event(lambda e: e.get("type") == "state_change" and
                               e.get("sessionId") == d and e.get("state") in ("idle", "done")
                               and e.get("seq", 0) > need["seq"], 10)
            m4, _ = scrape(agent)
            t.check("answered: no prompt waits any more", val(m4, "cm_prompts_waiting") == 0)

            # A client coming back with since is a reconnect.
            r0 = val(m4, "cm_reconnects_total", kind="client")
            async with Client(agent, since=0):
                await asyncio.sleep(0.2)
                m5, _ = scrape(agent)
                t.check("a client resuming with since counts as a reconnect",
                        val(m5, "cm_reconnects_total", kind="client") == r0 + 1)
                t.check("two clients now", val(m5, "cm_clients") == 2)
            t.check("events published keep counting",
                    val(m5, "cm_events_published_total", type="state_change") >
                    val(m1, "cm_events_published_total", type="state_change"))
        time.sleep(0.2)
        m6, _ = scrape(agent)
        t.check("clients gone: 0", val(m6, "cm_clients") == 0, val(m6, "cm_clients"))


run(main)
