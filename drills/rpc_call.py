"""``python -m drills.rpc_call`` < JSON [[service, method, args], ...]: calls each over
nameko RPC (AMQP_URI from the environment) and prints the answers as JSON."""

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402


def main():
    calls = json.load(sys.stdin)
    answers = []
    with ClusterRpcProxy({"AMQP_URI": os.environ["AMQP_URI"]}, timeout=30) as cluster:
        for service, method, args in calls:
            answers.append(getattr(getattr(cluster, service), method)(*args))
    json.dump(answers, sys.stdout, default=str)


if __name__ == "__main__":
    main()
