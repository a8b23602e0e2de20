"""Real servers for the deployment tests: gunicorn and ``flask worker`` on the app, nginx from Debian.

Each helper returns the ``Popen``; ``stop`` ends exactly the processes a test started (by pid).
"""
from __future__ import annotations

import datetime
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
#: Settings a test's servers must not inherit from the test run's own environment.
_INHERITED = ("DATABASE_URL", "REDIS_URL", "S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_BUCKET",
              "S3_PUBLIC_ENDPOINT", "TRUSTED_PROXIES", "METRICS_ALLOW", "SECRET_KEY", "LMS_DATA_DIR")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(**settings) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED}
    env.update(PYTHONUNBUFFERED="1", **{k: str(v) for k, v in settings.items()})
    return env


def flask(env: dict, *args: str, timeout: int = 300) -> str:
    done = subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def gunicorn(env: dict, port: int, log: Path, threads: int = 4) -> subprocess.Popen:
    return subprocess.Popen([str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
                             "--threads", str(threads), "--timeout", "120", "wsgi:app"],
                            cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def worker(env: dict, log: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([str(VENV_BIN / "flask"), "--app", "wsgi", "worker", "--workers", "2", *extra],
                            cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def wait_http(url: str, proc: subprocess.Popen | None = None, timeout: float = 60) -> None:
    context = ssl._create_unverified_context()
    deadline = time.time() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2, context=context)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except Exception:
            if time.time() > deadline or (proc is not None and proc.poll() is not None):
                raise RuntimeError(f"{url} did not come up")
            time.sleep(0.3)


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 (the proxy test speaks real TLS, as the shipped config does)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def nginx(site: str, directory: Path) -> subprocess.Popen:
    """Run Debian's nginx in the foreground with ``site`` as its only http-context file."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    (directory / "site.conf").write_text(site)
    user = "user root root;\n" if os.getuid() == 0 else ""
    (directory / "nginx.conf").write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {directory}/nginx.pid;\nerror_log {directory}/error.log;\n"
        "events { worker_connections 128; }\n"
        f"http {{\n  access_log {directory}/access.log;\n  client_body_temp_path {directory}/body;\n"
        f"  proxy_temp_path {directory}/proxy;\n  fastcgi_temp_path {directory}/fastcgi;\n"
        f"  uwsgi_temp_path {directory}/uwsgi;\n  scgi_temp_path {directory}/scgi;\n"
        f"  include {directory}/site.conf;\n}}\n")
    test = subprocess.run([binary, "-t", "-c", str(directory / "nginx.conf"), "-p", str(directory)],
                          capture_output=True, text=True)
    if test.returncode != 0:
        raise RuntimeError(f"nginx refused the configuration:\n{test.stderr}")
    return subprocess.Popen([binary, "-c", str(directory / "nginx.conf"), "-p", str(directory)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def shipped_site(upstreams: list[int], http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """deploy/nginx.conf with only its addresses, ports and certificate paths swapped for the test's."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;\n" for port in upstreams)
    text, count = re.subn(r"(?m)^    server 10\.0\.0\.\d+:5000[^\n]*\n", "", text)
    assert count >= 1, "deploy/nginx.conf lost its upstream servers"
    text = text.replace("    keepalive 32;", servers + "    keepalive 32;")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    text = text.replace("/etc/ssl/hoclieuso/fullchain.pem", str(cert)).replace("/etc/ssl/hoclieuso/privkey.pem",
                                                                                 str(key))
    return text


def stop(*procs: subprocess.Popen | None) -> None:
    for proc in procs:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        if proc is None:
            continue
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
