"""`RemoteMonitor`: posts each epoch's logs to a server as JSON, as tf.keras 2.x's.

tf.keras posts with the `requests` library; kerasx uses the standard library's `urllib.request`, so
there is nothing to install: the same request (a form field holding the JSON, or a JSON body) goes out.
"""
import json
import logging
import urllib.error
import urllib.parse
import urllib.request

from kerasx.callbacks.callback import Callback

_logger = logging.getLogger("kerasx")


def _plain(value):
    # NumPy scalars and 0-d arrays (a learning rate a callback logged) are not JSON types.
    return value.item() if hasattr(value, "item") else value


class RemoteMonitor(Callback):
    """Posts `{"epoch": epoch, **logs}` to `root + path` at the end of every epoch.

    Args:
        root: The server's root URL.
        path: The path, relative to `root`, to post to.
        field: The form field holding the JSON (when `send_as_json` is False).
        headers: Extra HTTP headers.
        send_as_json: Post the JSON itself as the body, as `"application/json"`.
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data", headers=None,
                 send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        send.update({k: _plain(v) for k, v in (logs or {}).items()})
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers["Content-Type"] = "application/json"
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request) as response:
                response.read()
        except urllib.error.HTTPError:
            pass  # the server answered (with an error status): as `requests.post`, not a failure here
        except (urllib.error.URLError, OSError, ValueError):
            # unreachable, refused, timed out, or not a URL at all: training goes on, as in tf.keras
            _logger.warning("Warning: could not reach RemoteMonitor root server at " + str(self.root))
