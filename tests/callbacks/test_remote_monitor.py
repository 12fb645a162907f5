"""`RemoteMonitor`: posts each epoch's logs to a local HTTP server on 127.0.0.1."""
import http.server
import json
import logging
import socket
import threading
import urllib.parse

import pytest

import kerasx as keras
from tests.callbacks.callback_test_utils import regression_data, regression_model


class _Recording(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append((self.path, dict(self.headers), body))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture
def server():
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Recording)
    httpd.posts, httpd.status = [], 200
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _root(httpd):
    return f"http://127.0.0.1:{httpd.server_address[1]}"


def _fit(callback, epochs=2):
    x, y = regression_data()
    return regression_model().fit(x, y, batch_size=8, epochs=epochs, verbose=0,
                                  validation_data=(x[:8], y[:8]), callbacks=[callback])


def test_posts_the_logs_in_a_form_field(backend, server):
    history = _fit(keras.callbacks.RemoteMonitor(root=_root(server), headers={"X-Run": "7"}))
    assert len(server.posts) == 2
    for epoch, (path, headers, body) in enumerate(server.posts):
        assert path == "/publish/epoch/end/"
        assert headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert headers["X-Run"] == "7"
        form = urllib.parse.parse_qs(body.decode())
        assert list(form) == ["data"]
        sent = json.loads(form["data"][0])
        assert sent == {"epoch": epoch, "loss": pytest.approx(history.history["loss"][epoch]),
                        "val_loss": pytest.approx(history.history["val_loss"][epoch])}


def test_send_as_json_posts_a_json_body(backend, server):
    callback = keras.callbacks.RemoteMonitor(root=_root(server), path="/epochs", field="ignored",
                                             send_as_json=True)
    x, y = regression_data()
    model = regression_model()
    # a learning rate logged by LearningRateScheduler is a NumPy float32: sent as a plain number
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[
        keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr), callback])
    (path, headers, body), = server.posts
    assert path == "/epochs" and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"epoch": 0, "loss": pytest.approx(history.history["loss"][0]),
                                "lr": pytest.approx(0.05)}


def test_an_error_status_does_not_stop_training(backend, server, caplog):
    server.status = 500
    with caplog.at_level(logging.WARNING, logger="kerasx"):
        history = _fit(keras.callbacks.RemoteMonitor(root=_root(server)))
    assert len(server.posts) == 2 and len(history.epoch) == 2
    assert "could not reach" not in caplog.text


def test_a_server_that_is_down_gives_tf_keras_warning_and_training_goes_on(backend, caplog):
    with socket.socket() as s:  # a port nobody listens on any more
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = f"http://127.0.0.1:{port}"
    with caplog.at_level(logging.WARNING, logger="kerasx"):
        history = _fit(keras.callbacks.RemoteMonitor(root=root))
    assert len(history.epoch) == 2
    assert [r.getMessage() for r in caplog.records] == [
        f"Warning: could not reach RemoteMonitor root server at {root}"] * 2
