"""percentageOfNodesToScore: in a cluster of 100 nodes or more, a cycle
stops filtering once enough nodes fit (Kubernetes' adaptive default: 50%
less 1% per 125 nodes, at least 100 nodes) and scores only those; the next
cycle starts filtering where the last one stopped.  With 200 identical
nodes the first pod sees n-000..n-099 only, the second n-100..n-199; a pod
that fits one node only still finds it; with the option at 100 every node
is scored."""
from harness import main
from test_scheduler import SchedTest, config

NODES = 200
FAVOURITE = "n-150"
PREFER = {"affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
    {"weight": 100, "preference": {"matchExpressions": [
        {"key": "kubernetes.io/hostname", "operator": "In", "values": [FAVOURITE]}]}}]}}}


class NodesToScoreTest(SchedTest):
    def nodes(self):
        for i in range(NODES):
            self.node("n-%03d" % i, "4", "8Gi")

    def reconfigure(self, extra):
        self.cs.stop()
        config(self.conf, framework_extra=extra)
        self.cs.start()

    def test_adaptive_default_scores_part_and_rotates(self):
        self.nodes()
        self.pod("first", cpu="100m", spec=PREFER)
        first = self.bound("first")
        self.assertLess(first, "n-100", "the first cycle filters n-000..n-099 only")
        self.pod("second", cpu="100m", spec=PREFER)
        self.assertEqual(self.bound("second"), FAVOURITE)

    def test_a_pod_that_fits_one_node_finds_it(self):
        self.nodes()
        only = {"nodeSelector": {"kubernetes.io/hostname": "n-199"}}
        for i in range(3):
            self.pod("only-%d" % i, cpu="100m", spec=only)
            self.assertEqual(self.bound("only-%d" % i), "n-199")
        # None fits: every node was filtered, and counted.
        self.pod("none", cpu="100m", spec={"nodeSelector": {"kubernetes.io/hostname": "x"}})
        self.unschedulable("none", "0/%d nodes are available: %d node(s) didn't match "
                                   "Pod's node affinity/selector." % (NODES, NODES))

    def test_one_hundred_percent_scores_every_node(self):
        self.reconfigure("percentage-of-nodes-to-score = 100")
        self.nodes()
        for i in range(3):
            self.pod("p%d" % i, cpu="100m", spec=PREFER)
            self.assertEqual(self.bound("p%d" % i), FAVOURITE)

    def test_a_bad_percentage_is_refused(self):
        self.cs.stop()
        config(self.conf, framework_extra="percentage-of-nodes-to-score = 101")
        with self.assertRaises(RuntimeError) as e:
            self.cs.start()
        self.assertIn("percentage-of-nodes-to-score: 101 is not in 0..100", str(e.exception))


if __name__ == "__main__":
    main()
