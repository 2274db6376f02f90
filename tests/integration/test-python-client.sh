#!/bin/bash
# The Python manager client (python/, over libcm.so): installed with pip
# into a venv made here (no network, Debian's setuptools), then the seed's
# example run as the seed wrote it against a real agent through the real
# sshd, and the rest of the API: send_keys, capture_pane, list_sessions,
# kill_session, events by callback and by async iterator, errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sshd.sh"

PY=/usr/bin/python3
LIB="$CM_BUILD_DIR/src/lib/libcm.so"
printf 'think 300\nsay logging added\ndone\n' >"$T/script"
export FAKETOOL_SCRIPT="$T/script"
agent_start || { fail "agent starts"; finish; }
sshd_start || { fail "sshd starts"; finish; }

# pip builds in the source directory: build from a copy.
cp -a "$CM_SOURCE_DIR/python" "$T/src"
"$PY" -m venv --system-site-packages "$T/venv" >"$T/venv.log" 2>&1
check "venv is created ($(tail -n1 "$T/venv.log"))" [ -x "$T/venv/bin/python" ]
"$T/venv/bin/pip" install --no-build-isolation --no-index "$T/src" >"$T/pip.log" 2>&1
check "pip installs the package offline ($(tail -n1 "$T/pip.log"))" [ $? -eq 0 ]

# A sanitized libcm needs its runtime loaded first (python itself is not sanitized).
RUN=(env CM_LIBRARY="$LIB" CM_SSH_CONFIG="$SSH_CONFIG")
if grep -q '^CM_ASAN:BOOL=ON' "$CM_BUILD_DIR/CMakeCache.txt"; then
	cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$CM_BUILD_DIR/CMakeCache.txt")
	RUN+=(LD_PRELOAD="$("${cc:-cc}" -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0)
fi

# The seed's example, as written (host, user, token, port; the ssh config
# that reaches this sshd comes from CM_SSH_CONFIG).
cat >"$T/seed.py" <<EOF
import asyncio
from cm_manager_client import CMManagerClient

async def main():
    client = CMManagerClient(host='$SSH_HOST', user='$(id -un)',
                             auth_token='$AGENT_TOKEN', agent_port=$AGENT_PORT)
    pushed = []
    client.add_listener(pushed.append)
    await client.connect()          # establishes the SSH tunnel automatically
    session_id = await client.create_session(
        tool='fake', task='Add logging to API module',
        context={'path': '$T/work'})
    # state changes are pushed automatically
    await client.wait_for_state(session_id, 'done', timeout=30)
    await client.disconnect()
    print(session_id, ' '.join(e['type'] + ':' + str(e.get('state')) for e in pushed
                               if e.get('sessionId') == session_id))

asyncio.run(main())
EOF
"${RUN[@]}" timeout 90 "$T/venv/bin/python" "$T/seed.py" >"$T/seed.out" 2>&1
check "the seed's example runs through the ssh tunnel ($(tail -n3 "$T/seed.out" | tr '\n' '|'))" [ $? -eq 0 ]
check "state changes were pushed, to done" grep -q "state_change:done" "$T/seed.out"
check "disconnect closed the ssh master it opened" bash -c "! compgen -G '$T/run/cm/*.ctl' >/dev/null"

cat >"$T/api.py" <<EOF
import asyncio, sys
from cm_manager_client import CMManagerClient, CMError, ConnectError

fails = []
def check(what, ok):
    print(('PASS' if ok else 'FAIL') + ': ' + what)
    if not ok:
        fails.append(what)

async def main():
    c = CMManagerClient(host='$SSH_HOST', auth_token='$AGENT_TOKEN', agent_port=$AGENT_PORT)
    async with c:
        events = []
        async def follow():
            async for ev in c.events():
                events.append(ev)
        t = asyncio.create_task(follow())
        sid = await c.create_session(tool='cat', context={'path': '$T/work'})
        await c.wait_for_state(sid, 'idle', timeout=20)
        await c.send_keys(sid, 'hello from python', enter=True)
        screen = ''
        for _ in range(50):
            screen = await c.capture_pane(sid)
            if 'hello from python' in screen:
                break
            await asyncio.sleep(0.1)
        check('send_keys then capture_pane shows the text', 'hello from python' in screen)
        ids = [s['sessionId'] for s in await c.list_sessions()]
        check('list_sessions has the session', sid in ids)
        try:
            await c.send_keys('cm-1700000000-1', 'x')
            check('an unknown session raises', False)
        except CMError as e:
            check('an unknown session raises CMError unknown_session (%s)' % e.code,
                  e.code == 'unknown_session')
        try:
            await c.request({'action': 'send_keys', 'sessionId': sid, 'bogus': 1})
            check('a field the protocol does not know is refused', False)
        except CMError as e:
            check('libcm refuses an unknown field before sending (%s)' % e.code,
                  e.code == 'bad_request')
        try:
            await c.send_keys(sid, 'x' * 20000)
            check('keys over the limit are refused', False)
        except CMError as e:
            check('keys over the limit are refused by the agent (%s)' % e.code,
                  e.code != 'closed')
        try:
            await c.send_keys('cm-nosuch', 'x')
            check('a malformed id is refused', False)
        except CMError as e:
            check('a malformed id is refused (%s)' % e.code, e.code == 'bad_session_id')
        await c.kill_session(sid)
        ids = [s['sessionId'] for s in await c.list_sessions()]
        check('kill_session removes it', sid not in ids)
        await asyncio.sleep(0.3)
        check('the async iterator saw session_killed',
              any(e.get('type') == 'session_killed' and e.get('sessionId') == sid
                  for e in events))
    await asyncio.wait_for(t, 5)
    check('the iterator ends at disconnect', t.done())
    bad = CMManagerClient(host='$SSH_HOST', auth_token='wrong-token-wrong-token',
                          agent_port=$AGENT_PORT, reconnect=False)
    try:
        await bad.connect()
        check('a wrong token fails', False)
    except ConnectError as e:
        check('a wrong token raises ConnectError token_refused (%s)' % e.code,
              e.code == 'token_refused')
    await bad.disconnect()
    nobody = CMManagerClient(auth_token='$AGENT_TOKEN', agent_port=1)
    try:
        await nobody.connect()
        check('a port nothing listens on fails', False)
    except ConnectError as e:
        check('a port nothing listens on raises agent_not_running (%s)' % e.code,
              e.code == 'agent_not_running')
    direct = CMManagerClient(auth_token='$AGENT_TOKEN', agent_port=$AGENT_PORT)
    await direct.connect()
    check('a direct connection (no host) works', isinstance(await direct.list_sessions(), list))
    await direct.disconnect()
    try:
        await direct.list_sessions()
        check('a request after disconnect raises', False)
    except CMError as e:
        check('a request after disconnect raises CMError', True)

asyncio.run(main())
sys.exit(1 if fails else 0)
EOF
"${RUN[@]}" timeout 120 "$T/venv/bin/python" "$T/api.py" >"$T/api.out" 2>&1
rc=$?
cat "$T/api.out"
check "the API checks pass (exit $rc)" [ "$rc" -eq 0 ]
finish
