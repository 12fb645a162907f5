"""A file server on 127.0.0.1 for the download tests: serves a folder, counts requests per path, and
can leave out Content-Length. Nothing leaves the machine."""
import contextlib
import http.server
import threading


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # quiet test output
        pass

    def do_GET(self):
        self.server.requests.append(self.path)
        if not self.server.send_length:
            path = self.translate_path(self.path)
            try:
                with open(path, "rb") as f:
                    body = f.read()
            except OSError:
                self.send_error(404, "File not found")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


@contextlib.contextmanager
def serve(folder, send_length=True):
    """Yields `(base_url, server)`; `server.requests` lists the paths requested."""
    handler = lambda *a, **k: _Handler(*a, directory=str(folder), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.requests = []
    server.send_length = send_length
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
