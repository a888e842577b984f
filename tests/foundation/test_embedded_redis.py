"""The embedded Redis is a real server owned by the process that started it, and dies with it."""

import signal
import subprocess
import sys
import time

from tests.processes import ROOT, pid_alive, wait_for

STARTER = """
import sys
from finsync.embedded import start_embedded_redis
url, proc = start_embedded_redis()
print(url, proc.pid, flush=True)
sys.stdin.read()
"""




def test_embedded_redis_answers_and_dies_with_its_owner_even_when_killed(tmp_path):
    import redis

    owner = subprocess.Popen([sys.executable, "-c", STARTER], cwd=ROOT, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env={"FINSYNC_DATA_DIR": str(tmp_path),
                                                                      "PATH": "/usr/bin:/bin"})
    url, pid = owner.stdout.readline().split()
    assert redis.Redis.from_url(url).ping() is True

    owner.send_signal(signal.SIGKILL)  # no atexit hook runs
    owner.wait(10)

    wait_for(lambda: not pid_alive(int(pid)), timeout=10, what="the orphaned redis-server to stop")
    time.sleep(0.1)
    assert not pid_alive(int(pid))
