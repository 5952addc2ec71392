#!/usr/bin/env python3
"""Callers' messages end to end: tickets filed through the real gateway,
answered by a real worker, their messages taken by the real hotline-notify
adaptor (which this script starts, kills and restarts). One case per run:

    notify_check.py CASE ENV_JSON
"""
import json
import os
import signal
import socketserver
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "open311"))
import open311_check as o  # noqa: E402  (reads the same ENV_JSON)

ENV = o.ENV
check = o.check
OUT = os.path.join(ENV["work"], "notify.out")
STALL = {"service_code": "CG-STALL", "address_string": "江城区东风路",
         "attribute[area]": "441702", "description": "人行道被摊位占满"}


def start_adaptor(*sink):
    """hotline-notify, by default writing to OUT; ready once it said so."""
    sink = list(sink) or ["--out", OUT]
    out = subprocess.run([ENV["hl_start"], "--log", ENV["work"] + "/notify.log", "--",
                          ENV["notify"], "--endpoint", ENV["notify_endpoint"]] + sink
                         + ["--pidfile", ENV["work"] + "/notify.pid",
                            "--log-file", ENV["work"] + "/notify.log"],
                         capture_output=True, text=True, timeout=30)
    check(out.returncode == 0, "hotline-notify started: %r" % out.stderr)
    return int(out.stdout.split()[0])


def stop_adaptor(pid, sig=signal.SIGTERM):
    os.kill(pid, sig)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def messages(path=OUT):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def wait_for(what, fn, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        got = fn()
        if got:
            return got
        time.sleep(0.2)
    check(False, "in time: " + what)
    return None


def of_ticket(ticket, event, path=OUT):
    return [m for m in messages(path) if m["ticket"] == ticket and m["event"] == event]


def file_ticket(phone=None, description=None):
    fields = dict(STALL)
    if phone:
        fields["phone"] = phone
    if description:
        fields["description"] = description
    return o.posted_id(o.post(fields))


def backlog():
    """hotline_outbox_backlog{group="notify"} on /metrics (None if absent)."""
    req = urllib.request.Request("http://127.0.0.1:%d/metrics" % ENV["http_port"],
                                 headers={"Authorization": "Bearer " + ENV["token"]})
    text = urllib.request.urlopen(req, timeout=10).read().decode()
    for line in text.splitlines():
        if line.startswith('hotline_outbox_backlog{group="notify"}'):
            return int(float(line.split()[-1]))
    return None


def case_messages():
    """Acceptance with the ticket number, the reply with a link that works,
    none for an anonymous caller."""
    start_adaptor()
    worker = o.start_worker("jcq.cgj")
    try:
        ticket = file_ticket("+86 139-0000-1234")
        anonymous = file_ticket()
        got = wait_for("the reply message", lambda: of_ticket(ticket, "reply"))
        acc = of_ticket(ticket, "acceptance")
        check(len(acc) == 1, "one acceptance: %r" % acc)
        if acc:
            m = acc[0]
            check(m["to"] == "+8613900001234", "the caller's number: %r" % m["to"])
            check(m["channel"] == "app" and m["template"] == "acceptance", "record: %r" % m)
            check(m["id"].startswith(ticket + "."), "id: ticket.entry: %r" % m["id"])
            check(m["text"] == "【12345热线】您的诉求已受理，工单号%s，我们将尽快转交承办单位办理。"
                  % ticket, "text: %r" % m["text"])
        if got:
            m = got[0]
            link = m["text"].rsplit("：", 1)[-1]
            check(link.startswith("http://gateway.invalid/visit#%s." % ticket), "link: %r" % m)
            check("已答复：" in m["text"], "the answer's summary: %r" % m["text"])
            token = link.split("#", 1)[1].split(".", 1)[1]
            s, e = o.rate(ticket, token)
            check(s == 200, "the link from the message rates the ticket: %d %r" % (s, e))
        time.sleep(1.5)
        check(not [m for m in messages() if m["ticket"] == anonymous],
              "nothing for an anonymous caller")
        ids = [m["id"] for m in messages()]
        check(len(ids) == len(set(ids)), "no id twice")
    finally:
        worker.terminate()
        worker.wait()


def case_restart():
    """The adaptor killed mid-stream and started again: every message
    exactly once."""
    pid = start_adaptor()
    tickets = []
    for i in range(40):
        tickets.append(file_ticket("1390000%04d" % i, "第%d号摊位" % i))
        if i == 12:
            stop_adaptor(pid, signal.SIGKILL)
        if i == 20:
            pid = start_adaptor()
        if i == 28:
            stop_adaptor(pid, signal.SIGKILL)
            pid = start_adaptor()
    wait_for("every acceptance", lambda: len(messages()) >= len(tickets), 60)
    time.sleep(2)
    got = [m["ticket"] for m in messages() if m["event"] == "acceptance"]
    check(sorted(got) == sorted(tickets),
          "each ticket's acceptance exactly once: %d messages for %d tickets, doubles %r"
          % (len(got), len(tickets), sorted({t for t in got if got.count(t) > 1})))
    stop_adaptor(pid)


def case_down():
    """No adaptor: intake still acknowledges, the backlog shows on /metrics,
    and the messages arrive once it is back."""
    tickets = [file_ticket("1380000%04d" % i) for i in range(5)]
    check(len(tickets) == 5 and all(tickets), "intake acknowledges without an adaptor")
    seen = wait_for("the notify backlog on /metrics", lambda: (backlog() or 0) >= 5, 20)
    check(seen, "backlog reported")
    time.sleep(1)
    check(messages() == [], "nothing sent without an adaptor")
    pid = start_adaptor()
    wait_for("the messages after the adaptor came back", lambda: len(messages()) >= 5, 30)
    check(sorted(m["ticket"] for m in messages()) == sorted(tickets), "each once")
    wait_for("the backlog gone", lambda: backlog() == 0, 20)
    stop_adaptor(pid)


class Smsc(socketserver.StreamRequestHandler):
    """An SMS gateway in the line protocol of hl_smsgw: takes each id once,
    refuses while REFUSING is set."""
    taken = {}
    refusing = True

    def handle(self):
        for raw in self.rfile:
            verb, mid, record = raw.decode().rstrip("\n").split(" ", 2)
            if Smsc.refusing:
                self.wfile.write(("NACK %s throttled\n" % mid).encode())
                continue
            Smsc.taken.setdefault(mid, json.loads(record))
            self.wfile.write(("ACK %s\n" % mid).encode())


def case_smsgw():
    """The adaptor on an SMS gateway that first refuses: the messages wait,
    then arrive once each, retried by hotlined."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Smsc)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sent = os.path.join(ENV["work"], "sent.ids")
    pid = start_adaptor("--smsgw", "127.0.0.1:%d" % server.server_address[1], "--sent", sent)
    tickets = [file_ticket("1370000%04d" % i) for i in range(3)]
    time.sleep(2)
    check(not Smsc.taken, "nothing taken while the gateway refuses")
    Smsc.refusing = False
    wait_for("the messages once the gateway takes them", lambda: len(Smsc.taken) >= 3, 40)
    check(sorted(m["ticket"] for m in Smsc.taken.values()) == sorted(tickets), "each once")
    with open(sent) as f:
        check(sorted(f.read().split()) == sorted(Smsc.taken), "the record of ids sent")
    stop_adaptor(pid)
    server.shutdown()


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    CASES[sys.argv[1]]()
    if o.FAILURES:
        print("%d checks failed" % len(o.FAILURES))
        sys.exit(1)
