

def test_the_app_is_a_valid_wsgi_callable(tmp_path):
    """#12 item 2: app_for's callable passes wsgiref's WSGI validator (which any server, gunicorn
    included, relies on) for pages, resumed pages, error pages and HEAD, under a second WSGI
    server (wsgiref's) on loopback."""
    app = validator(app_for(str(EX / "guess.tm"), store=str(tmp_path / "s.db")))
    server = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        with warnings.catch_warnings():
            warnings.simplefilter("error")      # wsgiref.validate warns about what it does not fail
            page = urllib.request.urlopen(base + "/?seed=8").read().decode()
            link = page.split('action="')[1].split('"')[0]
            out = urllib.request.urlopen(urllib.request.Request(base + link, data=b"n=1")).read().decode()
            assert "1 is too low." in out
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(base + "/k/bad")
            assert e.value.code == 400
            head = urllib.request.urlopen(urllib.request.Request(base + "/?seed=8", method="HEAD"))
            assert head.status == 200 and head.read() == b""
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass
