"""The scheduler's cache: sched-framework keeps its nodes and the pods on
them up to date from watch events and copies only the changed nodes into
each cycle's snapshot.  Every change must reach the next cycle: a pod
deleted or finished frees its room, a node's allocatable change is seen,
a deleted node is no longer used, and a node that comes back is."""
from harness import main
from test_scheduler import PODS, SchedTest

FULL = "0/1 nodes are available: 1 Insufficient cpu."


class CacheTest(SchedTest):
    def set_allocatable(self, name, cpu):
        res = {"cpu": cpu, "memory": "4Gi", "pods": "110"}
        self.ok("PATCH", "/api/v1/nodes/%s/status" % name,
                {"status": {"capacity": res, "allocatable": res}},
                200, ctype="application/merge-patch+json")

    def test_a_deleted_pod_frees_its_room(self):
        self.node("one", "1", "4Gi")
        self.pod("a", cpu="800m")
        self.assertEqual(self.bound("a"), "one")
        self.pod("b", cpu="500m")
        self.unschedulable("b", FULL)
        self.ok("DELETE", PODS + "/a")
        self.assertEqual(self.bound("b"), "one")
        # b now takes 500m: a pod of 600m must not fit (b was counted).
        self.pod("c", cpu="600m")
        self.unschedulable("c", FULL)

    def test_a_finished_pod_frees_its_room(self):
        self.node("one", "1", "4Gi")
        self.pod("a", cpu="800m")
        self.assertEqual(self.bound("a"), "one")
        self.pod("b", cpu="500m")
        self.unschedulable("b", FULL)
        self.ok("PATCH", PODS + "/a/status", {"status": {"phase": "Succeeded"}}, 200,
                ctype="application/merge-patch+json")
        self.assertEqual(self.bound("b"), "one")

    def test_an_allocatable_change_is_seen(self):
        self.node("one", "1", "4Gi")
        self.pod("a", cpu="800m")
        self.assertEqual(self.bound("a"), "one")
        self.pod("b", cpu="500m")
        self.unschedulable("b", FULL)
        self.set_allocatable("one", "2")
        self.assertEqual(self.bound("b"), "one")
        # And back down: 1.3 cpu used of 1.5, a pod of 300m does not fit.
        self.set_allocatable("one", "1500m")
        self.pod("c", cpu="300m")
        self.unschedulable("c", FULL)

    def test_label_taint_and_cordon_changes_are_seen(self):
        # The framework parses a node's labels, taints and spec.unschedulable
        # once per node object: every new object must replace them.
        self.node("one", "4", "4Gi")
        self.pod("a", cpu="100m", spec={"nodeSelector": {"disk": "ssd"}})
        self.unschedulable("a", "0/1 nodes are available: 1 node(s) didn't match Pod's "
                                "node affinity/selector.")
        self.ok("PATCH", "/api/v1/nodes/one", {"metadata": {"labels": {"disk": "ssd"}}}, 200,
                ctype="application/merge-patch+json")
        self.assertEqual(self.bound("a"), "one")
        self.ok("PATCH", "/api/v1/nodes/one",
                {"spec": {"taints": [{"key": "k", "value": "v", "effect": "NoSchedule"}]}}, 200,
                ctype="application/merge-patch+json")
        self.pod("b", cpu="100m")
        self.unschedulable("b", "0/1 nodes are available: 1 node(s) had untolerated taint "
                                "{k: v}.")
        self.ok("PATCH", "/api/v1/nodes/one", {"spec": {"taints": None, "unschedulable": True}},
                200, ctype="application/merge-patch+json")
        self.pod("c", cpu="100m")
        self.unschedulable("c", "0/1 nodes are available: 1 node(s) were unschedulable.")
        self.ok("PATCH", "/api/v1/nodes/one", {"spec": {"unschedulable": None}}, 200,
                ctype="application/merge-patch+json")
        self.assertEqual(self.bound("b"), "one")
        self.assertEqual(self.bound("c"), "one")

    def test_a_deleted_node_is_not_used_and_one_that_comes_back_is(self):
        self.node("big", "8", "4Gi")
        self.node("small", "1", "4Gi")
        self.pod("a", cpu="500m")
        self.assertEqual(self.bound("a"), "big")  # least allocated
        self.ok("DELETE", "/api/v1/nodes/big")
        self.pod("b", cpu="2")
        self.unschedulable("b", FULL)
        self.pod("c", cpu="100m")
        self.assertEqual(self.bound("c"), "small")
        # The node returns; the pod still bound to it counts there again.
        self.node("big", "3", "4Gi")
        self.pod("d", cpu="2600m")
        self.unschedulable("d", "0/2 nodes are available: 2 Insufficient cpu.")
        self.ok("DELETE", PODS + "/d")
        self.assertEqual(self.bound("b"), "big")


if __name__ == "__main__":
    main()
