#!/usr/bin/env python3
"""notify-dbus-listener: a notification server on a D-Bus session bus.

Usage: notify-dbus-listener.py OUT_FILE READY_FILE

Owns org.freedesktop.Notifications on $DBUS_SESSION_BUS_ADDRESS, as a
desktop's notification daemon does, and appends every Notify call to
OUT_FILE as a JSON line {"app", "summary", "body", "urgency"}; touches
READY_FILE once the name is owned. Needs python3-dbus and python3-gi
(Debian); stops on SIGTERM.
"""
import json
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

out_path, ready_path = sys.argv[1], sys.argv[2]
IFACE = "org.freedesktop.Notifications"


class Server(dbus.service.Object):
    def __init__(self, bus):
        self.next_id = 1
        super().__init__(bus, "/org/freedesktop/Notifications")

    @dbus.service.method(IFACE, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app, replaces, icon, summary, body, actions, hints, timeout):
        urgency = int(hints.get("urgency", 1))
        with open(out_path, "a") as f:
            f.write(json.dumps({"app": str(app), "summary": str(summary), "body": str(body),
                                "urgency": urgency}) + "\n")
        self.next_id += 1
        return self.next_id

    @dbus.service.method(IFACE, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["body"]

    @dbus.service.method(IFACE, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ["cm-test", "cm", "1", "1.2"]

    @dbus.service.method(IFACE, in_signature="u", out_signature="")
    def CloseNotification(self, nid):
        pass


DBusGMainLoop(set_as_default=True)
bus = dbus.SessionBus()
name = dbus.service.BusName(IFACE, bus)
server = Server(bus)
open(ready_path, "w").close()
GLib.MainLoop().run()
