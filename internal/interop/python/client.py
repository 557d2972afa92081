"""client.py: python-socketio clients driven by a Go test.

Usage: /usr/bin/python3 client.py URL
  URL  the server's origin, e.g. http://127.0.0.1:12345 (path /socket.io/)

It runs with Debian's python3-socketio 5.7 (python3-engineio 4.3,
python3-requests, python3-websocket). Each "id" names one socketio.Client,
that is one Engine.IO connection carrying the namespaces it was given.

Binary values cross stdin/stdout as {"$bin":"<hex>"} at any depth; they are
bytes on the python-socketio side.

Commands, one JSON object per line on stdin:
  {"cmd":"connect","id":"a","namespaces":["/"],"transports":null|[...],"auth":{...}}
      connects and waits for every namespace (or for a refusal)
  {"cmd":"emit","id":"a","nsp":"/","name":"ev","args":[...]}
  {"cmd":"emitCb","id":"a","nsp":"/","name":"ev","args":[...],"tag":"t"}
      emit with a callback: its arguments come back as an "ack" event
  {"cmd":"call","id":"a","nsp":"/","name":"ev","args":[...],"tag":"t","timeout":s}
      client.call(): the ack's arguments, or err "timeout", come back as an
      "ack" event
  {"cmd":"disconnect","id":"a"}       client.disconnect()
  {"cmd":"transport","id":"a"}
Events, one JSON object per line on stdout:
  {"event":"connect","id":"a","nsp":"/","sid":...,"transport":...}
  {"event":"connect_error","id":"a","nsp":"/","data":...}
  {"event":"connected","id":"a","ok":bool,"error":...}   the connect command's result
  {"event":"disconnect","id":"a","nsp":"/"}
  {"event":"recv","id":"a","nsp":"/","name":...,"args":[...]}
      a received event; when the server asked for an ack, the client
      answers with the event's own arguments
  {"event":"ack","id":"a","tag":"t","args":[...],"err":null|"timeout"}
  {"event":"transport","id":"a","name":...}
  {"event":"fatal","message":...}      a bug in this script
"""

import json
import sys
import threading
import traceback

import socketio

URL = sys.argv[1]
_out_lock = threading.Lock()  # one line of stdout at a time, from any thread
clients = {}
# settled[id]: the namespaces of client id that answered its CONNECT (with
# CONNECT or CONNECT_ERROR), under _settle.
_settle = threading.Condition()
settled = {}


def out(event, **fields):
    line = json.dumps(dict(event=event, **fields))
    with _out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def to_wire(v):
    """Turns {"$bin": hex} into bytes, recursively."""
    if isinstance(v, list):
        return [to_wire(x) for x in v]
    if isinstance(v, dict):
        if len(v) == 1 and isinstance(v.get("$bin"), str):
            return bytes.fromhex(v["$bin"])
        return {k: to_wire(x) for k, x in v.items()}
    return v


def from_wire(v):
    """Turns bytes into {"$bin": hex}, recursively."""
    if isinstance(v, (bytes, bytearray)):
        return {"$bin": bytes(v).hex()}
    if isinstance(v, (list, tuple)):
        return [from_wire(x) for x in v]
    if isinstance(v, dict):
        return {k: from_wire(x) for k, x in v.items()}
    return v


def watch(cid, client, nsp):
    def settle(ok):
        with _settle:
            settled[cid][nsp] = ok
            _settle.notify_all()

    def on_connect():
        out("connect", id=cid, nsp=nsp, sid=client.get_sid(nsp), transport=client.transport())
        settle(True)

    def on_connect_error(*data):
        out("connect_error", id=cid, nsp=nsp, data=from_wire(data[0] if len(data) == 1 else list(data)))
        settle(False)

    def on_disconnect():
        out("disconnect", id=cid, nsp=nsp)

    def on_any(name, *args):
        out("recv", id=cid, nsp=nsp, name=name, args=from_wire(args))
        return tuple(args)  # the ack, when the server asked for one

    client.on("connect", on_connect, namespace=nsp)
    client.on("connect_error", on_connect_error, namespace=nsp)
    client.on("disconnect", on_disconnect, namespace=nsp)
    client.on("*", on_any, namespace=nsp)


def connect(cmd):
    cid = cmd["id"]
    namespaces = cmd.get("namespaces") or ["/"]
    client = socketio.Client(reconnection=False)
    clients[cid] = client
    settled[cid] = {}
    for nsp in namespaces:
        watch(cid, client, nsp)
    # wait=False, then our own wait: connect(wait=True) of python-socketio
    # 5.7 waits out its whole timeout once a namespace is refused.
    try:
        client.connect(URL, transports=cmd.get("transports"), namespaces=namespaces,
                       auth=cmd.get("auth"), wait=False)
    except socketio.exceptions.ConnectionError as err:
        out("connected", id=cid, ok=False, error=str(err))
        return
    with _settle:
        done = _settle.wait_for(lambda: len(settled[cid]) == len(namespaces), timeout=20)
        ok = done and all(settled[cid].values())
    out("connected", id=cid, ok=ok, error=None if ok else "refused or timed out: %r" % settled[cid])


def disconnect(client):
    """client.disconnect(), with its DISCONNECT packets flushed first.

    python-socketio 5.7's disconnect() queues a DISCONNECT per namespace
    for the transport's writer thread, then aborts the transport without
    waiting for it: on a loaded machine the packets are often never sent,
    and the server learns of the departure only by ping timeout. The same
    packets are sent here and the writer's queue drained (at most 2 s)
    before the client's own disconnect(), whose second DISCONNECT the
    server then ignores or answers by closing the connection.
    """
    for nsp in list(client.namespaces):
        client._send_packet(client.packet_class(socketio.packet.DISCONNECT, namespace=nsp))
    drained = threading.Thread(target=client.eio.queue.join, daemon=True)
    drained.start()
    drained.join(2)
    client.disconnect()


def emit_cb(cmd):
    cid, tag = cmd["id"], cmd["tag"]

    def callback(*args):
        out("ack", id=cid, tag=tag, args=from_wire(args))

    clients[cid].emit(cmd["name"], tuple(to_wire(cmd.get("args") or [])),
                      namespace=cmd.get("nsp", "/"), callback=callback)


def call(cmd):
    cid, tag = cmd["id"], cmd["tag"]
    try:
        res = clients[cid].call(cmd["name"], tuple(to_wire(cmd.get("args") or [])),
                                namespace=cmd.get("nsp", "/"), timeout=cmd.get("timeout", 20))
    except socketio.exceptions.TimeoutError:
        out("ack", id=cid, tag=tag, args=[], err="timeout")
        return
    # call returns the single ack argument, or a tuple of several, or None.
    args = [] if res is None else list(res) if isinstance(res, tuple) else [res]
    out("ack", id=cid, tag=tag, args=from_wire(args), err=None)


def handle(cmd):
    kind = cmd["cmd"]
    if kind == "connect":
        # connect blocks until the namespaces answer: in its own thread, so
        # that stdin keeps being read.
        threading.Thread(target=guarded, args=(connect, cmd), daemon=True).start()
    elif kind == "emit":
        clients[cmd["id"]].emit(cmd["name"], tuple(to_wire(cmd.get("args") or [])),
                                namespace=cmd.get("nsp", "/"))
    elif kind == "emitCb":
        emit_cb(cmd)
    elif kind == "call":
        # call blocks until the ack or the timeout.
        threading.Thread(target=guarded, args=(call, cmd), daemon=True).start()
    elif kind == "disconnect":
        disconnect(clients[cmd["id"]])
    elif kind == "transport":
        out("transport", id=cmd["id"], name=clients[cmd["id"]].transport())
    else:
        raise ValueError("unknown command %r" % kind)


def guarded(fn, *args):
    try:
        fn(*args)
    except Exception:  # reported to the test, which fails
        out("fatal", message=traceback.format_exc())


def main():
    for line in sys.stdin:
        if line.strip():
            guarded(handle, json.loads(line))
    for client in list(clients.values()):
        try:
            client.disconnect()
        except Exception:
            pass


if __name__ == "__main__":
    main()
