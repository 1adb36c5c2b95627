"""A tiny HTTP client for the ops tests: keep-alive connection, cookies, CSRF token, form posts. Stdlib only."""
import http.client, json, re, urllib.parse

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class Client:
    def __init__(self, port, address):
        self.port = port
        self.address = address  # sent as X-Forwarded-For, so rate limits see one client per simulated user
        self.cookies = {}
        self.csrf = None
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method, path, body=None, headers=None):
        h = {"X-Forwarded-For": self.address, "Sec-Fetch-Site": "same-origin"}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        h.update(headers or {})
        try:
            self.conn.request(method, path, body=body, headers=h)
            r = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            raise
        data = r.read()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";", 1)[0]
                if "Max-Age=0" in v or value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
        text = data.decode("utf-8", "replace")
        m = CSRF_RE.search(text)
        if m:
            self.csrf = m.group(1)
        return r.status, text, dict(r.getheaders())

    def get(self, path):
        return self.request("GET", path)

    def post_form(self, path, fields):
        fields = dict(fields)
        fields.setdefault("csrf_token", self.csrf or "")
        body = urllib.parse.urlencode(fields)
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def post_json(self, path, obj):
        return self.request("POST", path, json.dumps(obj), {"Content-Type": "application/json", "X-CSRF-Token": self.csrf or ""})

    def sign_up(self, username, password):
        self.get("/signup")
        status, _, _ = self.post_form("/signup", {"username": username, "password": password, "next": "/"})
        return status in (302, 303)
