"""A key-set server that misbehaves, for the verifier's resource-limit tests.

  /huge        announces and streams 100 MB of base64url text
  /deep        a JWS whose protected header is JSON nested 1,000,000 deep
               (2.7 MB: over the verifier's 1 MiB limit)
  /deep-fit    the same nesting cut to 350,000 deep, so the JWS (0.93 MB)
               fits the limit and reaches the JSON parser

Prints "hostile key-set server listening on 127.0.0.1:PORT" once it
accepts connections, and "sent PATH BYTES" to stderr after each answer.
"""
import base64
import http.server
import socketserver
import sys

HUGE = 100 * 1000 * 1000
CHUNK = b"A" * 65536


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def nested_jws(depth):
    header = b"[" * depth + b"]" * depth
    return b64(header) + b"." + b64(b'{"seq":1}') + b"." + b64(b"\0" * 64)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        sent = 0
        try:
            if self.path == "/huge":
                self.send_response(200)
                self.send_header("Content-Type", "application/jose")
                self.send_header("Content-Length", str(HUGE))
                self.end_headers()
                while sent < HUGE:
                    self.wfile.write(CHUNK)
                    sent += len(CHUNK)
            elif self.path in ("/deep", "/deep-fit"):
                body = nested_jws(1_000_000 if self.path == "/deep" else 350_000)
                self.send_response(200)
                self.send_header("Content-Type", "application/jose")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                sent = len(body)
            else:
                self.send_error(404)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the verifier hung up: what its limit is for
        print(f"sent {self.path} {sent}", file=sys.stderr, flush=True)

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print(f"hostile key-set server listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
