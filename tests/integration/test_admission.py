"""The API server's built-in admission and the policy kinds, against a real
capstand: the system PriorityClasses exist from the first start, pods get
their priority from their PriorityClass (or the global default) as
Kubernetes' Priority admission plugin gives it, and PriorityClass,
ResourceQuota, LimitRange and ControllerRevision are served with their
defaults, validation and tables."""
import unittest

from harness import CapstanTest, main

PCS = "/apis/scheduling.k8s.io/v1/priorityclasses"
PODS = "/api/v1/namespaces/default/pods"


def pclass(name, value, default=False, policy=None):
    o = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
         "metadata": {"name": name}, "value": value}
    if default:
        o["globalDefault"] = True
    if policy:
        o["preemptionPolicy"] = policy
    return o


def pod(name, cls=None, priority=None, policy=None):
    spec = {"containers": [{"name": "c", "image": "busybox"}]}
    if cls:
        spec["priorityClassName"] = cls
    if priority is not None:
        spec["priority"] = priority
    if policy:
        spec["preemptionPolicy"] = policy
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


class Priority(CapstanTest):
    def test_1_system_classes_bootstrapped(self):
        doc = self.ok("GET", PCS + "/system-node-critical")
        self.assertEqual(doc["value"], 2000001000)
        self.assertEqual(doc["preemptionPolicy"], "PreemptLowerPriority")
        doc = self.ok("GET", PCS + "/system-cluster-critical")
        self.assertEqual(doc["value"], 2000000000)

    def test_2_pod_without_class_gets_zero(self):
        doc = self.ok("POST", PODS, pod("plain"))
        self.assertEqual(doc["spec"]["priority"], 0)
        self.assertEqual(doc["spec"]["preemptionPolicy"], "PreemptLowerPriority")
        self.assertNotIn("priorityClassName", doc["spec"])

    def test_3_pod_gets_priority_of_its_class(self):
        self.ok("POST", PCS, pclass("batch-low", 100, policy="Never"))
        doc = self.ok("POST", PODS, pod("low", cls="batch-low"))
        self.assertEqual(doc["spec"]["priority"], 100)
        self.assertEqual(doc["spec"]["preemptionPolicy"], "Never")
        doc = self.ok("POST", PODS, pod("crit", cls="system-node-critical"))
        self.assertEqual(doc["spec"]["priority"], 2000001000)

    def test_4_unknown_class_is_forbidden(self):
        code, doc = self.req("POST", PODS, pod("lost", cls="nope"))
        self.assertEqual(code, 403, doc)
        self.assertEqual(doc["reason"], "Forbidden")
        self.assertEqual(doc["message"],
                         'pods "lost" is forbidden: no PriorityClass with name nope was found')
        code, _ = self.req("GET", PODS + "/lost")
        self.assertEqual(code, 404)

    def test_5_given_priority_must_match(self):
        self.ok("POST", PCS, pclass("mid", 500))
        code, doc = self.req("POST", PODS, pod("liar", cls="mid", priority=7))
        self.assertEqual(code, 403, doc)
        self.assertIn("the integer value of priority (7) must not be provided in pod spec; "
                      "priority admission controller computed 500 from the given "
                      "PriorityClass name", doc["message"])
        doc = self.ok("POST", PODS, pod("honest", cls="mid", priority=500))
        self.assertEqual(doc["spec"]["priority"], 500)
        code, doc = self.req("POST", PODS, pod("policy", cls="mid", policy="Never"))
        self.assertEqual(code, 403, doc)
        self.assertIn("the string value of PreemptionPolicy (Never) must not be provided",
                      doc["message"])

    def test_6_global_default(self):
        self.ok("POST", PCS, pclass("everyone", 42, default=True))
        doc = self.ok("POST", PODS, pod("defaulted"))
        self.assertEqual(doc["spec"]["priorityClassName"], "everyone")
        self.assertEqual(doc["spec"]["priority"], 42)
        # Only one default: a second one, or marking another, is refused.
        code, doc = self.req("POST", PCS, pclass("another", 43, default=True))
        self.assertEqual(code, 403, doc)
        self.assertEqual(doc["message"],
                         'priorityclasses.scheduling.k8s.io "another" is forbidden: '
                         'PriorityClass everyone is already marked as default. Only one '
                         'default can exist')
        self.assertEqual(self.req("GET", PCS + "/another")[0], 404)
        code, doc = self.req("PATCH", PCS + "/mid", {"globalDefault": True},
                             ctype="application/merge-patch+json")
        self.assertEqual(code, 403, doc)
        # The default itself may be updated and stay the default.
        self.ok("PATCH", PCS + "/everyone", {"description": "for all"},
                ctype="application/merge-patch+json")
        self.ok("DELETE", PCS + "/everyone")
        doc = self.ok("POST", PODS, pod("after"))
        self.assertEqual(doc["spec"]["priority"], 0)

    def test_7_value_is_immutable(self):
        self.ok("POST", PCS, pclass("fixed", 10))
        code, doc = self.req("PATCH", PCS + "/fixed", {"value": 11},
                             ctype="application/merge-patch+json")
        self.assertEqual(code, 422, doc)
        self.assertIn("value: Forbidden: may not be changed in an update.", doc["message"])

    def test_8_reserved_names_and_limits(self):
        code, doc = self.req("POST", PCS, pclass("system-mine", 5))
        self.assertEqual(code, 422, doc)
        self.assertIn("reserved for system use only", doc["message"])
        code, doc = self.req("POST", PCS, pclass("huge", 1000000001))
        self.assertEqual(code, 422, doc)
        self.assertIn("maximum allowed value of a user defined priority is 1000000000",
                      doc["message"])

    def test_9_table(self):
        doc = self.ok("GET", PCS, headers={
            "Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
        names = [c["name"] for c in doc["columnDefinitions"]]
        self.assertEqual(names, ["Name", "Value", "Global-Default", "Age", "PreemptionPolicy"])


class PolicyKinds(CapstanTest):
    def test_limitrange_defaults(self):
        lr = {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "lr"},
              "spec": {"limits": [{"type": "Container", "max": {"cpu": "2"},
                                   "min": {"memory": "64Mi"}}]}}
        doc = self.ok("POST", "/api/v1/namespaces/default/limitranges", lr)
        item = doc["spec"]["limits"][0]
        self.assertEqual(item["default"], {"cpu": "2"})
        self.assertEqual(item["defaultRequest"], {"cpu": "2", "memory": "64Mi"})

    def test_limitrange_invalid(self):
        lr = {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "bad"},
              "spec": {"limits": [{"type": "Container", "min": {"cpu": "2"},
                                   "max": {"cpu": "1"}}]}}
        code, doc = self.req("POST", "/api/v1/namespaces/default/limitranges", lr)
        self.assertEqual(code, 422, doc)
        self.assertIn("min value 2 is greater than max value 1", doc["message"])

    def test_resourcequota_status_is_a_subresource(self):
        rq = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"},
              "spec": {"hard": {"pods": "4"}}, "status": {"hard": {"pods": "99"}}}
        base = "/api/v1/namespaces/default/resourcequotas"
        doc = self.ok("POST", base, rq)
        self.assertNotIn("status", doc)
        self.ok("PUT", base + "/q/status",
                dict(doc, status={"hard": {"pods": "4"}, "used": {"pods": "1"}}))
        doc = self.ok("GET", base + "/q")
        self.assertEqual(doc["status"]["used"], {"pods": "1"})
        code, doc = self.req("POST", base, dict(rq, metadata={"name": "neg"},
                                                spec={"hard": {"pods": "-1"}}))
        self.assertEqual(code, 422, doc)

    def test_controllerrevision_data_immutable(self):
        base = "/apis/apps/v1/namespaces/default/controllerrevisions"
        cr = {"apiVersion": "apps/v1", "kind": "ControllerRevision",
              "metadata": {"name": "ds-1"}, "data": {"spec": {"a": 1}}, "revision": 1}
        doc = self.ok("POST", base, cr)
        doc["data"] = {"spec": {"a": 2}}
        code, out = self.req("PUT", base + "/ds-1", doc)
        self.assertEqual(code, 422, out)
        self.assertIn("data: Invalid value", out["message"])

    def test_discovery(self):
        doc = self.ok("GET", "/apis/scheduling.k8s.io/v1")
        self.assertEqual([r["name"] for r in doc["resources"]], ["priorityclasses"])
        doc = self.ok("GET", "/api/v1")
        names = {r["name"]: r for r in doc["resources"]}
        self.assertIn("resourcequotas/status", names)
        self.assertEqual(names["limitranges"]["shortNames"], ["limits"])
        self.assertEqual(names["resourcequotas"]["shortNames"], ["quota"])


if __name__ == "__main__":
    main()
