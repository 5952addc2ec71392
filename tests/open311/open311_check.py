#!/usr/bin/env python3
"""Drives hotline-open311 with a real HTTP client (http.client) against the
real hotlined: every endpoint in XML and JSON, retried POSTs, keys and
rate limits, bad input, privacy. One case per run:

    open311_check.py CASE ENV_JSON
"""
import http.client
import json
import os
import select
import subprocess
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

ENV = json.load(open(sys.argv[2]))
FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("check failed:", what, file=sys.stderr)
    return cond


def request(method, path, body=None, headers=None, raw=None):
    """(status, headers dict lower-cased, body bytes). PATH is relative to
    the API's base (/open311/v2/) unless it starts with '/'."""
    if not path.startswith("/"):
        path = "/open311/v2/" + path
    conn = http.client.HTTPConnection(ENV["host"], ENV["port"], timeout=20)
    hdrs = dict(headers or {})
    data = raw
    if body is not None:
        data = urllib.parse.urlencode(body, doseq=True).encode()
        hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    conn.request(method, path, body=data, headers=hdrs)
    resp = conn.getresponse()
    out = (resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    conn.close()
    return out


def parsed(status_headers_body, fmt):
    """The body as Python data: JSON as is, XML as an Element."""
    status, headers, body = status_headers_body
    ctype = headers.get("content-type", "")
    if fmt == "json":
        check(ctype == "application/json; charset=utf-8", "JSON content type: " + ctype)
        return json.loads(body)
    check(ctype == "text/xml; charset=utf-8", "XML content type: " + ctype)
    check(body.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), "XML declaration")
    return ET.fromstring(body)


def get(path, fmt, expect=200):
    r = request("GET", path)
    check(r[0] == expect, "GET %s: %d, want %d (%r)" % (path, r[0], expect, r[2][:300]))
    return parsed(r, fmt)


def error_of(r, fmt):
    """(code, description) of a spec error answer."""
    doc = parsed(r, fmt)
    if fmt == "json":
        check(isinstance(doc, list) and len(doc) == 1, "JSON error list")
        return doc[0]["code"], doc[0]["description"]
    check(doc.tag == "errors" and doc[0].tag == "error", "XML <errors><error>")
    return int(doc.find("error/code").text), doc.find("error/description").text


def expect_error(r, fmt, status, words):
    check(r[0] == status, "status %d, want %d (%r)" % (r[0], status, r[2][:300]))
    code, text = error_of(r, fmt)
    check(code == status, "error code %s" % code)
    check(words in (text or ""), "error %r should say %r" % (text, words))


def post(fields, fmt="json", key="app_key", headers=None):
    body = dict(fields)
    if key:
        body["api_key"] = ENV[key]
    return request("POST", "requests." + fmt, body=body, headers=headers)


NOISE = {"service_code": "ZJ-NOISE", "attribute[site]": "江城区东风路工地",
         "attribute[kind][]": ["piling", "trucks"], "attribute[area]": "441702",
         "lat": "21.86", "long": "111.98", "description": "凌晨一点还在打桩 <吵> & 扰民",
         "phone": "13800138000", "first_name": "三", "last_name": "张",
         "media_url": "https://example.org/a.jpg", "device_id": "dev-1", "account_id": "acc-9"}


def posted_id(r, fmt="json"):
    check(r[0] == 200, "POST: %d %r" % (r[0], r[2][:300]))
    doc = parsed(r, fmt)
    if fmt == "json":
        check("token" not in doc[0], "no token beside the id")
        return doc[0]["service_request_id"]
    check(doc.tag == "service_requests" and doc[0].tag == "request", "XML POST answer")
    return doc.find("request/service_request_id").text


def hotline(*args):
    return subprocess.run([ENV["hotline"], "--endpoint", ENV["endpoint"]] + list(args),
                          capture_output=True, text=True, timeout=30)


# --- cases -----------------------------------------------------------------

def case_discovery():
    d = get("discovery.json", "json")
    check(d["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2", "spec")
    check(d["endpoints"][0]["url"] == ENV["base"], "url")
    check(d["endpoints"][0]["formats"] == ["text/xml", "application/json"], "formats")
    x = get("discovery.xml", "xml")
    check(x.tag == "discovery", "XML discovery root")
    check([f.text for f in x.findall("endpoints/endpoint/formats/format")]
          == ["text/xml", "application/json"], "XML formats")
    services = get("services.json", "json")
    codes = [s["service_code"] for s in services]
    check("ZJ-NOISE" in codes and len(codes) >= 5, "services: %r" % codes)
    for s in services:
        check(s["type"] == "realtime" and isinstance(s["metadata"], bool), "service fields")
    xs = get("services.xml", "xml")
    check([s.find("service_code").text for s in xs.findall("service")] == codes,
          "XML and JSON list the same services")
    for code in codes:
        dj = get("services/%s.json" % code, "json")
        dx = get("services/%s.xml" % code, "xml")
        check(dj["service_code"] == code and dx.find("service_code").text == code, "definition")
        orders = [a["order"] for a in dj["attributes"]]
        check(orders == list(range(1, len(orders) + 1)), "orders 1..n")
        check(len(dx.findall("attributes/attribute")) == len(orders), "XML attributes")
        area = [a for a in dj["attributes"] if a["code"] == "area"]
        check(len(area) == 1 and area[0]["datatype"] == "singlevaluelist"
              and any(v["key"] == "441702" for v in area[0]["values"]), "area attribute")
    noise = get("services/ZJ-NOISE.json", "json")
    kinds = [a for a in noise["attributes"] if a["code"] == "kind"][0]
    check(kinds["datatype"] == "multivaluelist" and kinds["values"][0]["key"] == "piling", "kind")
    expect_error(request("GET", "services/NOPE.xml"), "xml", 404, "no service")
    expect_error(request("GET", "services/NOPE.json"), "json", 404, "no service")
    expect_error(request("GET", "nothing.json"), "json", 404, "no resource")
    expect_error(request("GET", "services"), "xml", 404, ".xml or .json")
    expect_error(request("GET", "/"), "xml", 404, "/open311/v2/")
    r = request("DELETE", "services.json")
    expect_error(r, "json", 405, "takes GET")
    check(r[1].get("allow") == "GET", "Allow header")
    # One jurisdiction: another is 404, ours or none is served.
    get("services.json?jurisdiction_id=", "json")


def case_requests():
    first = posted_id(post(NOISE))
    xml_id = posted_id(post(dict(NOISE, description="夜里打桩（XML）"), "xml"), "xml")
    check(first != xml_id and first.startswith("YJ"), "two tickets: %s %s" % (first, xml_id))
    one = get("requests/%s.json" % first, "json")
    check(len(one) == 1, "a one-element list")
    r = one[0]
    check(r["service_request_id"] == first and r["status"] == "open", "id and status")
    check(r["service_code"] == "ZJ-NOISE" and r["service_name"] == "夜间施工噪音", "service")
    check(r["description"].startswith("凌晨一点还在打桩 <吵> & 扰民\n"), r["description"])
    check("噪音来源：打桩、渣土车进出" in r["description"], "attributes in the description")
    check(r["media_url"] == "https://example.org/a.jpg", "media_url")
    check(abs(r["lat"] - 21.86) < 1e-6 and abs(r["long"] - 111.98) < 1e-6, "location")
    check(r["requested_datetime"][-6] in "+-" and r["requested_datetime"][10] == "T", "datetime")
    check(r["agency_responsible"], "agency")
    check(r["status_notes"], "status_notes")
    x = get("requests/%s.xml" % first, "xml")
    check(x.tag == "service_requests" and x.find("request/service_request_id").text == first,
          "XML request")
    check(x.find("request/description").text == r["description"], "XML == JSON")
    # Tokens: the ticket number is its own token.
    t = get("tokens/%s.json" % first, "json")
    check(t == [{"service_request_id": first, "token": first}], "token: %r" % t)
    check(get("tokens/%s.xml" % first, "xml").find("request/token").text == first, "XML token")
    expect_error(request("GET", "tokens/YJ19990101000001.json"), "json", 404, "token")
    expect_error(request("GET", "requests/YJ19990101000001.xml"), "xml", 404, "no published")
    expect_error(request("GET", "requests/a%20b.json"), "json", 404, "no published")
    # A request closed at intake (不予受理), filed on the web.
    out = hotline("submit", "--channel", "web", "--type", "投诉", "--category", "CG.03",
                  "--area", "441702", "--phone", "13900000001", "--content", "垃圾三天没人收",
                  "--disposition", "out_of_scope", "--note", "已由物业处理")
    closed = out.stdout.strip()
    check(out.returncode == 0 and closed, "submit closed: %r" % out.stderr)
    c = get("requests/%s.json" % closed, "json")[0]
    check(c["status"] == "closed" and c["service_code"] == "CG-RUBBISH", "closed: %r" % c)
    # Not published: a confidential ticket, a 举报, a ticket of no service.
    for args in (["--type", "投诉", "--category", "CG.03", "--confidential"],
                 ["--type", "举报", "--category", "CG.03"],
                 ["--type", "咨询", "--category", "SB.01"]):
        out = hotline("submit", "--channel", "app", "--area", "441702", "--phone",
                      "13900000002", "--content", "不公开的工单", *args)
        hidden = out.stdout.strip()
        check(out.returncode == 0, "submit hidden")
        expect_error(request("GET", "requests/%s.json" % hidden), "json", 404, "no published")
    # A phone ticket: shown, but not the agent's note of the call.
    out = hotline("submit", "--channel", "phone", "--type", "投诉", "--category", "CG.03",
                  "--area", "441702", "--phone", "13900000003", "--content", "来电人李四反映")
    phone = get("requests/%s.json" % out.stdout.strip(), "json")[0]
    check(phone["description"] is None, "phone ticket's content is not published")
    # The list and its filters.
    everything = get("requests.json", "json")
    ids = [e["service_request_id"] for e in everything]
    check(first in ids and xml_id in ids and closed in ids, "list: %r" % ids)
    times = [e["requested_datetime"] for e in everything]
    check(times == sorted(times, reverse=True), "newest first")
    check(all(e["status"] in ("open", "closed") for e in everything), "statuses")
    opened = [e["service_request_id"] for e in get("requests.json?status=open", "json")]
    check(first in opened and closed not in opened, "status=open")
    shut = [e.text for e in get("requests.xml?status=closed", "xml")
            .findall("request/service_request_id")]
    check(closed in shut and first not in shut, "status=closed: %r" % shut)
    both = get("requests.json?status=open,closed", "json")
    check(len(both) == len(everything), "open,closed = all")
    noise = [e["service_request_id"] for e in get("requests.json?service_code=ZJ-NOISE", "json")]
    check(set(noise) == {first, xml_id}, "service_code filter: %r" % noise)
    two = get("requests.json?service_code=ZJ-NOISE,CG-RUBBISH", "json")
    check(len(two) >= 3, "two service codes")
    picked = get("requests.json?service_request_id=%s,%s,YJ19990101000001&status=closed"
                 % (closed, first), "json")
    check([e["service_request_id"] for e in picked] == [closed, first],
          "service_request_id overrides the other filters, keeps the order")
    future = get("requests.json?start_date=2099-01-01T00:00:00Z&end_date=2099-02-01T00:00:00Z",
                 "json")
    check(future == [], "a range with nothing")
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 60))
    past = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
    window = get("requests.json?start_date=%s&end_date=%s" % (past, now), "json")
    check(len(window) == len(everything), "a range with everything: %d of %d (%s .. %s)"
          % (len(window), len(everything), past, now))
    expect_error(request("GET", "requests.json?start_date=2026-01-01T00:00:00Z&"
                         "end_date=2026-06-01T00:00:00Z"), "json", 400, "90 days")
    expect_error(request("GET", "requests.xml?start_date=yesterday"), "xml", 400, "W3C")
    expect_error(request("GET", "requests.json?status=pending"), "json", 400, "status")
    expect_error(request("GET", "requests.json?service_code=NOPE"), "json", 400, "no service")
    ids51 = ",".join("YJ2026120400%04d" % i for i in range(51))
    expect_error(request("GET", "requests.json?service_request_id=" + ids51), "json", 400,
                 "at most 50")


def case_retry():
    # The same POST again (a client that timed out and resends): one ticket.
    body = dict(NOISE, phone="13800001111", description="重试的请求")
    ids = {posted_id(post(body)) for _ in range(3)}
    check(len(ids) == 1, "three sends, one ticket: %r" % ids)
    # Eight clients at once with the same body: still one.
    got, lock = [], threading.Lock()

    def send():
        r = post(dict(body, description="并发重试"))
        with lock:
            got.append(posted_id(r))
    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(len(set(got)) == 1 and len(got) == 8, "parallel sends, one ticket: %r" % got)
    # The client's own request id: a resend with it is the same ticket even
    # if the form was re-encoded; another body under it is refused.
    key = {"Idempotency-Key": "app-request-0001"}
    a = posted_id(post(dict(body, description="自带请求号"), headers=key))
    b = posted_id(post({**dict(body, description="自带请求号"), "device_id": "dev-1"},
                       headers=key))
    check(a == b, "same Idempotency-Key, same ticket")
    expect_error(post(dict(body, description="另一件事"), headers=key), "json", 400, "conflict")
    expect_error(post(body, headers={"Idempotency-Key": "has space"}), "json", 400,
                 "Idempotency-Key")
    listed = hotline("--json", "list", "--caller", "13800001111")
    tickets = json.loads(listed.stdout)
    items = tickets["tickets"] if isinstance(tickets, dict) else tickets
    check(len(items) == 3, "hotlined stored three tickets for the caller: %r" % listed.stdout)


def case_keys():
    expect_error(post(NOISE, key=None), "json", 403, "api_key: required")
    expect_error(post(dict(NOISE, api_key="x" * 24), key=None), "json", 403,
                 "not a valid key")
    expect_error(request("POST", "requests.xml", body=dict(NOISE, api_key="nope")), "xml", 403,
                 "not a valid key")
    # The portal may post 3 at once, then 2 a minute.
    for i in range(3):
        posted_id(post(dict(NOISE, description="限流 %d" % i), key="web_key"))
    r = post(dict(NOISE, description="限流 3"), key="web_key")
    expect_error(r, "json", 429, "requests a minute")
    check(int(r[1].get("retry-after", "0")) >= 1, "Retry-After")
    expect_error(post(dict(NOISE, description="限流 4"), "xml", key="web_key"), "xml", 429,
                 "requests a minute")
    # Another key is not held back.
    posted_id(post(dict(NOISE, description="另一个应用")))
    # The ticket came in on the key's channel.
    first = posted_id(post(dict(NOISE, description="渠道")))
    shown = json.loads(hotline("--json", "show", first).stdout)
    check(shown.get("channel") == "app" or shown.get("complaint", {}).get("channel") == "app",
          "channel of the key: %r" % shown)
    # A key file others can read: the gateway refuses to start.
    bad = os.path.join(ENV["work"], "keys-open")
    with open(bad, "w") as f:
        f.write("x %s app 60 10\n" % ("k" * 20))
    os.chmod(bad, 0o644)
    p = subprocess.run([ENV["gateway"], "--listen", "127.0.0.1:1", "--services",
                        ENV["src"] + "/deploy/etc/open311.conf", "--codes",
                        ENV["src"] + "/deploy/etc/codes.conf", "--keys", bad],
                       capture_output=True, text=True, timeout=10)
    check(p.returncode != 0 and "chmod 600" in p.stderr, "0644 key file refused: %r" % p.stderr)


def case_bad_input():
    bad = [
        (dict(NOISE, lat="95"), "WGS84"),
        (dict(NOISE, lat=""), "both"),
        ({k: v for k, v in NOISE.items() if k not in ("lat", "long")}, "location"),
        ({k: v for k, v in NOISE.items() if k != "attribute[site]"}, "attribute[site]"),
        (dict(NOISE, **{"attribute[kind][]": ["boats"]}), "attribute[kind]"),
        (dict(NOISE, **{"attribute[colour]": "red"}), "no such attribute"),
        (dict(NOISE, **{"attribute[area]": "999999"}), "attribute[area]"),
        (dict(NOISE, phone="12"), "phone"),
        (dict(NOISE, email="nobody"), "email"),
        (dict(NOISE, media_url="javascript:alert(1)"), "media_url"),
        (dict(NOISE, description="长" * 4001), "4000 characters"),
        (dict(NOISE, service_code=""), "service_code: required"),
    ]
    for fields, words in bad:
        expect_error(post(fields), "json", 400, words)
    expect_error(post(dict(NOISE, service_code="NOPE"), "xml"), "xml", 404, "no service")
    key = "api_key=" + ENV["app_key"]
    raw = [
        (key + "&service_code=ZJ-NOISE&description=%FF%FE", "UTF-8"),
        (key + "&service_code=ZJ-NOISE&description=a%00b", "form"),
        (key + "&service_code=ZJ-NOISE&description=%zz", "form"),
        (key + "&service_code=ZJ-NOISE&service_code=CG-LIGHT", "twice"),
    ]
    for body, words in raw:
        expect_error(request("POST", "requests.json", raw=body.encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded"}), "json", 400, words)
    expect_error(request("POST", "requests.json", raw=b'{"service_code":"ZJ-NOISE"}',
                         headers={"Content-Type": "application/json"}), "json", 400,
                 "Content-Type")
    # Too large: the spec's format, the format the path asked for.
    big = b"api_key=x&description=" + b"a" * 70000
    for fmt in ("json", "xml"):
        expect_error(request("POST", "requests." + fmt, raw=big, headers={
            "Content-Type": "application/x-www-form-urlencoded"}), fmt, 413, "too large")
    expect_error(request("GET", "requests.json?status=%zz"), "json", 400, "badly encoded")
    # The gateway still serves.
    posted_id(post(dict(NOISE, description="之后照常受理")))


def case_privacy():
    posted_id(post(dict(NOISE, phone="13912345678", first_name="小明", last_name="王",
                        email="wang@example.org", description="隐私")))
    expect_error(post(dict(NOISE, phone="13912345678", lat="99")), "json", 400, "WGS84")
    time.sleep(0.3)
    log = open(ENV["gateway_log"], encoding="utf-8").read()
    for secret in ("13912345678", "王小明", "小明", "wang@example.org", ENV["app_key"]):
        check(secret not in log, "%r in the gateway's log" % secret)
    check("key city-app, ZJ-NOISE: YJ" in log, "the log names the key and the ticket")


def case_unreachable():
    # A gateway whose hotlined is away answers within its timeout, in the
    # spec's format, and never with a ticket number.
    pid = int(open(ENV["gateway_pid"]).read())
    os.kill(pid, 15)
    try:                                    # until it is gone and its port free
        gone = os.pidfd_open(pid)
        select.select([gone], [], [], 10)
        os.close(gone)
    except ProcessLookupError:
        pass
    log = os.path.join(ENV["work"], "gateway-dead.log")
    p = subprocess.Popen([ENV["gateway"], "--listen", "%s:%d" % (ENV["host"], ENV["port"]),
                          "--endpoint", ENV["dead_endpoint"], "--timeout", "700",
                          "--services", ENV["src"] + "/deploy/etc/open311.conf",
                          "--codes", ENV["src"] + "/deploy/etc/codes.conf",
                          "--keys", os.path.join(ENV["work"], "keys"), "--log-file", log])
    try:
        for _ in range(50):
            try:
                request("GET", "discovery.json")
                break
            except OSError:
                time.sleep(0.1)
        started = time.time()
        r = post(NOISE)
        took = time.time() - started
        expect_error(r, "json", 400, "send the same POST again")
        check(took < 5, "answered in %.1f s" % took)
        expect_error(request("GET", "requests/YJ20261204000001.xml"), "xml", 400, "retry")
        expect_error(request("GET", "requests.json"), "json", 400, "retry")
        get("services.json", "json")     # what needs no hotlined still works
    finally:
        p.terminate()
        check(p.wait(timeout=10) == 0, "exit 0 on SIGTERM")


def lookup(ticket, phone):
    r = request("POST", "/progress/lookup", body={"ticket": ticket, "phone": phone})
    return r[0], json.loads(r[2])


def start_worker(unit):
    """A department worker of UNIT that signs and replies at once."""
    return subprocess.Popen([ENV["worker"], "--endpoint", ENV["worker_endpoint"], "--unit",
                             unit, "--credit", "5", "--name", "test", "--lead-only",
                             "--exec", ENV["src"] + "/workers/examples/sign-and-reply"],
                            env=dict(os.environ, SIGN_AND_REPLY_DELAY="0"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def replied_ticket(phone):
    """A ticket filed through the gateway and answered by 江城区城管."""
    ticket = posted_id(post({"service_code": "CG-STALL", "address_string": "江城区东风路",
                             "attribute[area]": "441702", "phone": phone,
                             "description": "人行道被摊位占满"}))
    status, r = lookup(ticket, phone)
    deadline = time.time() + 20
    while status == 200 and "reply" not in r and time.time() < deadline:
        time.sleep(0.3)
        status, r = lookup(ticket, phone)
    return ticket, status, r


def case_progress():
    r = request("GET", "/progress")
    check(r[0] == 200 and r[1]["content-type"] == "text/html; charset=utf-8", "the page")
    check("办理进度查询" in r[2].decode() and 'name="viewport"' in r[2].decode(), "page text")
    worker = start_worker("jcq.cgj")
    try:
        ticket = posted_id(post({"service_code": "CG-STALL", "address_string": "江城区东风路",
                                 "attribute[area]": "441702", "phone": "+86 139-0000-1234",
                                 "description": "人行道被摊位占满"}))
        status, r = lookup(ticket, "13900001234")
        check(status == 200 and r["ticket"] == ticket, "lookup: %r" % r)
        check(r["status"] in ("open", "closed") and r["state_label"], "state")
        check(r.get("created", "").startswith("20"), "created")
        deadline = time.time() + 20
        while "reply" not in r and time.time() < deadline:
            time.sleep(0.3)
            status, r = lookup(ticket, "+86 13900001234")
        check(status == 200 and r.get("reply"), "the unit's reply: %r" % r)
        check(r["state"] == "replied" and r["state_label"] == "已答复", "replied")
        check(r.get("unit") == "江城区城市管理和综合执法局", "unit name: %r" % r.get("unit"))
        check(r.get("promised", "").startswith("20"), "promised date: %r" % r)
        # A wrong number and an unknown ticket: the same answer.
        s1, wrong = lookup(ticket, "13900001235")
        s2, unknown = lookup("YJ19990101000001", "13900001234")
        check(s1 == s2 == 404 and wrong == unknown, "same refusal: %r %r" % (wrong, unknown))
        s3, bad = lookup("", "x")
        check(s3 == 400 and bad["error"]["code"] == "bad_value", "bad input")
        # An anonymous ticket has no number to look it up by.
        anon = posted_id(post({"service_code": "CG-RUBBISH", "address_string": "江城区",
                               "description": "匿名反映"}))
        check(lookup(anon, "13900001234")[0] == 404, "anonymous")
        log = open(ENV["gateway_log"], encoding="utf-8").read()
        check("13900001234" not in log, "no phone in the log")
    finally:
        worker.terminate()
        worker.wait(timeout=10)


def case_paging():
    # The common paging extension: page (from 1) and page_size (1..1000)
    # over the newest-first list.
    ids = [posted_id(post(dict(NOISE, description="第%d次打桩" % i))) for i in range(7)]
    # The lists trail the store by the outbox's lag: read until all are in.
    deadline = time.time() + 10
    while True:
        full = [r["service_request_id"]
                for r in get("requests.json?service_code=ZJ-NOISE", "json")]
        if len(full) >= len(ids) or time.time() > deadline:
            break
        time.sleep(0.2)
    check(full == ids[::-1], "the whole list, newest first: %r" % full)
    pages = [[r["service_request_id"] for r in
              get("requests.json?service_code=ZJ-NOISE&page_size=3&page=%d" % n, "json")]
             for n in (1, 2, 3, 4)]
    check([len(p) for p in pages] == [3, 3, 1, 0], "page lengths: %r" % pages)
    check(sum(pages, []) == full, "the pages make the list once, in order")
    check(get("requests.json?service_code=ZJ-NOISE&page_size=3", "json")[0]["service_request_id"]
          == full[0], "page 1 by default")
    check(len(get("requests.json?service_code=ZJ-NOISE&page=2", "json")) == 0,
          "page_size 1000 by default")
    check(len(get("requests.json?service_code=ZJ-NOISE&page=&page_size=", "json")) == 7,
          "empty values are absent ones")
    x = get("requests.xml?service_code=ZJ-NOISE&page_size=2&page=2", "xml")
    check([e.text for e in x.findall("request/service_request_id")] == full[2:4], "XML page")
    picked = get("requests.json?service_request_id=%s&page_size=2&page=2" % ",".join(ids[:3]),
                 "json")
    check([r["service_request_id"] for r in picked] == [ids[2]], "a page of the asked ids")
    for query, words in (("page=0", "page: a whole number from 1 to 100000"),
                         ("page=-1", "page: a whole number"), ("page=2x", "page: a whole number"),
                         ("page=100001", "page: a whole number"),
                         ("page_size=0", "page_size: a whole number from 1 to 1000"),
                         ("page_size=1001", "page_size: a whole number from 1 to 1000"),
                         ("page_size=+5", "page_size: a whole number")):
        for fmt in ("json", "xml"):
            expect_error(request("GET", "requests.%s?%s" % (fmt, query)), fmt, 400, words)


def visit_link(ticket):
    """The ticket's online 回访 link as staff see it (hotline show), on
    the gateway's own address."""
    out = hotline("--json", "show", ticket)
    check(out.returncode == 0, "show: %r" % out.stderr)
    link = json.loads(out.stdout or "{}").get("visit_link", "")
    check(link.startswith("http://gateway.invalid/visit#%s." % ticket), "the link: %r" % link)
    return link.replace("http://gateway.invalid", "http://%s:%d" % (ENV["host"], ENV["port"]))


def rate(ticket, token, satisfaction="satisfied", comment="", resolved="yes"):
    r = request("POST", "/visit/rate", body={"ticket": ticket, "token": token,
                                             "satisfaction": satisfaction,
                                             "resolved": resolved, "comment": comment})
    return r[0], json.loads(r[2])


def history_of(ticket):
    out = hotline("--json", "show", ticket)
    return json.loads(out.stdout or "{}")


def case_visit():
    r = request("GET", "/visit")
    check(r[0] == 200 and "办理结果评价" in r[2].decode(), "the page")
    worker = start_worker("jcq.cgj")
    try:
        ticket, status, _ = replied_ticket("13900002468")
        link = visit_link(ticket)
        token = link.split("#", 1)[1].split(".", 1)[1]
        check(len(token) == 22, "a 128-bit token: %r" % token)
        # A forged token, another ticket's token, bad input: refused, nothing changes.
        s, e = rate(ticket, "A" * 22)
        check(s == 403 and e["error"]["code"] == "forbidden", "forged: %r" % e)
        other, _, _ = replied_ticket("13900002469")
        s, e = rate(other, token)
        check(s == 403 and e["error"]["code"] == "forbidden", "another ticket's token: %r" % e)
        s, e = rate(ticket, token, satisfaction="great")
        check(s == 400 and e["error"]["code"] == "bad_value", "bad rating: %r" % e)
        check(history_of(ticket).get("state") == "replied", "still awaiting its visit")
        # The caller rates: the visit is the ticket's 回访, via web.
        s, done = rate(ticket, token, "basically_satisfied", "处理还算及时")
        check(s == 200 and done.get("state") == "visited", "rated: %r" % done)
        view = history_of(ticket)
        check(view.get("satisfaction") == "basically_satisfied" and view.get("resolved") is True,
              "the rating on the ticket: %r" % view.get("satisfaction"))
        check(view.get("visit_via") == "web", "via web: %r" % view.get("visit_via"))
        last = view.get("history", [{}])[-1]
        check(last.get("action") == "visit" and last.get("actor") == "system:visit-link"
              and "(web)" in last.get("note", "") and "处理还算及时" in last.get("note", ""),
              "the history's web visit: %r" % last)
        check("visit_link" not in view, "no link once visited")
        # The same link again: used.
        s, e = rate(ticket, token)
        check(s == 409 and e["error"]["code"] == "used", "used: %r" % e)
        # Unsatisfied goes to 甄别, as a phone visit does.
        other_token = visit_link(other).rsplit(".", 1)[1]
        s, done = rate(other, other_token, "unsatisfied", "摊位还在", resolved="no")
        check(s == 200 and done.get("state") == "reviewing", "unsatisfied: %r" % done)
        log = open(ENV["gateway_log"], encoding="utf-8").read()
        check(token not in log and "处理还算及时" not in log, "no token or comment in the log")
    finally:
        worker.terminate()
        worker.wait(timeout=10)


def case_browser():
    worker = start_worker("jcq.cgj")
    try:
        ticket, status, r = replied_ticket("13900005678")
        check(status == 200 and r.get("reply"), "a replied ticket: %r" % r)
        expect = os.path.join(ENV["work"], "progress.json")
        with open(expect, "w") as f:
            json.dump({"base": "http://%s:%d" % (ENV["host"], ENV["port"]), "ticket": ticket,
                       "phone": "139 0000 5678", "wrong_phone": "13900005679",
                       "unit": r.get("unit"), "screenshots": ENV["screenshots"]}, f)
        p = subprocess.run(["node", os.path.join(os.path.dirname(__file__), "progress.js"),
                            expect, ENV["playwright"]], timeout=120)
        check(p.returncode == 0, "the page in chromium")
        # The online 回访 page, by the ticket's link.
        link = visit_link(ticket)
        with open(expect, "w") as f:
            json.dump({"link": link, "ticket": ticket, "comment": "答复清楚，谢谢",
                       "forged": link[:-4] + "AAAA", "screenshots": ENV["screenshots"]}, f)
        p = subprocess.run(["node", os.path.join(os.path.dirname(__file__), "visit.js"),
                            expect, ENV["playwright"]], timeout=120)
        check(p.returncode == 0, "the visit page in chromium")
        view = history_of(ticket)
        last = view.get("history", [{}])[-1]
        check(view.get("state") == "visited" and view.get("visit_via") == "web"
              and "答复清楚，谢谢" in last.get("note", ""), "the web visit in the history: %r" % last)
    finally:
        worker.terminate()
        worker.wait(timeout=10)


def case_curve():
    # hotlined's intake speaks CURVE and the gateway holds the app
    # channel's key (deploy/up's setup): it files app tickets, reads them
    # one by one, cannot list, and sees callers' numbers masked.
    ticket = posted_id(post(dict(NOISE, phone="13900004321")))
    check(posted_id(post(dict(NOISE, phone="13900004321"))) == ticket, "a retry, one ticket")
    one = get("requests/%s.json" % ticket, "json")
    check(one[0]["service_request_id"] == ticket, "read back by number")
    picked = get("requests.json?service_request_id=%s" % ticket, "json")
    check(len(picked) == 1, "listed by number")
    expect_error(request("GET", "requests.json?status=open"), "json", 400,
                 "by service_request_id only")
    expect_error(post(NOISE, key="web_key"), "json", 400, "channel")
    status, r = lookup(ticket, "139-0000-4321")
    check(status == 200 and r["ticket"] == ticket, "progress with a masked number: %r" % r)
    check(lookup(ticket, "13900004322")[0] == 404, "another last digit")
    check(lookup(ticket, "13800004321")[0] == 404, "another prefix")
    # The channel's key reaches hotlined's check of an online 回访 link,
    # which refuses a forged one.
    s, e = rate(ticket, "A" * 22)
    check(s == 403 and e["error"]["code"] == "forbidden", "forged link under CURVE: %r" % e)
    # A web ticket does not exist for the app channel's gateway.
    out = hotline("submit", "--channel", "web", "--type", "投诉", "--category", "CG.03",
                  "--area", "441702", "--phone", "13900000009", "--content", "网站来的")
    check(out.returncode == 0, "submit as staff: %r" % out.stderr)
    expect_error(request("GET", "requests/%s.json" % out.stdout.strip()), "json", 404,
                 "no published")


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    CASES[sys.argv[1]]()
    if FAILURES:
        print("%d checks failed" % len(FAILURES))
        sys.exit(1)
