#!/bin/bash
# `cmake --install` to a throwaway prefix: binaries, both man pages, both
# systemd units naming the installed binary, the shipped profiles, and a
# cm.pc that points at that prefix: examples/seed-client.c is compiled
# against the installed libcm with pkg-config alone and run against a real
# agent. Then `cpack -G DEB` and lintian on the package (lintian skipped,
# with a message, where it is not installed).
. "$(dirname "$0")/lib.sh"
P="$T/p"
cmake --install "$CM_BUILD_DIR" --prefix "$P" >"$T/install.log" 2>&1
check "cmake --install to $P exits 0" [ $? -eq 0 ]
for f in bin/cm bin/cm-agent share/man/man1/cm.1 share/man/man8/cm-agent.8 include/cm.h \
	lib/systemd/system/cm-agent.service lib/systemd/user/cm-agent.service \
	share/cm/profiles/claude.json share/cm/profiles/codex.json share/doc/cm/copyright; do
	check "installed $f" [ -f "$P/$f" ]
done
PC=$(find "$P" -name cm.pc | head -n 1)
check "cm.pc installed ($PC)" [ -n "$PC" ]
PCDIR=$(dirname "$PC")
LIBDIR=$(dirname "$PCDIR")
check "the user unit runs the installed agent" grep -qx "ExecStart=$P/bin/cm-agent" "$P/lib/systemd/user/cm-agent.service"
check "the system unit runs the installed agent" grep -q "^ExecStart=$P/bin/cm-agent " "$P/lib/systemd/system/cm-agent.service"
check "the user unit keeps KillMode=process" grep -qx "KillMode=process" "$P/lib/systemd/user/cm-agent.service"
if command -v systemd-analyze >/dev/null; then
	check "systemd-analyze verify accepts the installed units" \
		systemd-analyze verify --man=no "$P/lib/systemd/user/cm-agent.service"
fi
flags=$(PKG_CONFIG_PATH="$PCDIR" pkg-config --cflags --libs cm)
inc=$(PKG_CONFIG_PATH="$PCDIR" pkg-config --variable=includedir cm)
check "pkg-config's includedir is the install's ($inc)" [ "$(readlink -f "$inc")" = "$(readlink -f "$P/include")" ]
check "pkg-config --libs names -lcm ($flags)" bash -c "[[ '$flags' == *-lcm* ]]"
# shellcheck disable=SC2086 # the flags are words
cc -std=c17 -o "$T/seed-client" "$CM_SOURCE_DIR/examples/seed-client.c" $flags -Wl,-rpath,"$LIBDIR" 2>"$T/cc.log"
check "seed-client.c builds against the installed libcm ($(head -c 300 "$T/cc.log"))" [ -x "$T/seed-client" ]
check "it loads the installed libcm.so" bash -c "ldd '$T/seed-client' | grep -q '$LIBDIR/libcm.so'"
printf 'think 300\nsay logging added\ndone\n' >"$T/script"
export FAKETOOL_SCRIPT="$T/script"
agent_start || { fail "agent starts"; finish; }
CM_AGENT_TOKEN="$AGENT_TOKEN" "$T/seed-client" --port "$AGENT_PORT" --tool fake --path "$T/work" \
	"Add logging" >"$T/ex.out" 2>&1
erc=$?
check "the installed-libcm example runs a session to completion ($(tr '\n' '|' <"$T/ex.out"))" [ "$erc" -eq 0 ]
check "the example saw session_completed" grep -q "session_completed" "$T/ex.out"
check "the installed cm talks to the agent" bash -c "XDG_CONFIG_HOME='$T/cfg' '$P/bin/cm' ctx add here --local --port $AGENT_PORT --token-file '$T/token' >/dev/null && XDG_CONFIG_HOME='$T/cfg' '$P/bin/cm' status | grep -q '^here *ok'"
agent_stop

# The Debian package.
if command -v cpack >/dev/null && command -v dpkg-deb >/dev/null; then
	mkdir -p "$T/deb"
	(cd "$T/deb" && cpack -G DEB --config "$CM_BUILD_DIR/CPackConfig.cmake" -B "$T/deb") >"$T/cpack.log" 2>&1
	DEB=$(ls "$T"/deb/*.deb 2>/dev/null | head -n 1)
	check "cpack -G DEB makes a package ($(tail -n 3 "$T/cpack.log" | tr '\n' '|'))" [ -n "$DEB" ]
	if [ -n "$DEB" ]; then
		dpkg-deb -c "$DEB" >"$T/deb.list"
		check "the package has the agent under /usr/bin" grep -q " ./usr/bin/cm-agent$" "$T/deb.list"
		check "the package has the user unit" grep -q " ./usr/lib/systemd/user/cm-agent.service$" "$T/deb.list"
		check "the package's man pages are gzipped" grep -q " ./usr/share/man/man8/cm-agent.8.gz$" "$T/deb.list"
		check "the package depends on tmux" bash -c "dpkg-deb -f '$DEB' Depends | grep -q 'tmux (>= 3.2)'"
		if command -v lintian >/dev/null; then
			lintian --tag-display-limit 0 "$DEB" >"$T/lintian.log" 2>&1
			lrc=$?
			cat "$T/lintian.log"
			check "lintian finds no error (exit $lrc)" bash -c "[ $lrc -eq 0 ] && ! grep -q '^E:' '$T/lintian.log'"
		else
			echo "SKIP: lintian is not installed (scripts/install-deps.sh installs it)"
		fi
	fi
else
	echo "SKIP: no cpack or dpkg-deb to build the Debian package"
fi
finish
