"""The cache of oneDNN plans: one `onednn_runtime.Plan` per key (operation, shapes, dtype, layout,
attributes), least recently used first out. An evicted or cleared plan is closed, which destroys its
primitives, descriptors and memory objects. A key oneDNN cannot serve is remembered as None, so the
NumPy fallback is chosen once, not retried on every call.
"""
import collections

from backends.onednn_runtime import Plan, Unsupported


class PlanCache:
    # A model has a handful of distinct layer shapes per step (forward, both backwards, each pooling); the
    # bound only keeps a long run over changing shapes (a growing last batch, many models) from holding
    # every plan it ever built.
    capacity = 256

    def __init__(self, runtime):
        self.runtime = runtime
        self._plans = collections.OrderedDict()
        self.built = 0

    def get(self, key, build):
        """The plan for `key`, built by ``build(plan)`` on first use; None if oneDNN cannot serve it."""
        plans = self._plans
        if key in plans:
            plans.move_to_end(key)
            return plans[key]
        plan = Plan(self.runtime)
        try:
            build(plan)
        except Unsupported:
            plan.close()
            plan = None
        except BaseException:
            plan.close()
            raise
        self.built += 1
        plans[key] = plan
        while len(plans) > self.capacity:
            _, old = plans.popitem(last=False)
            if old is not None:
                old.close()
        return plan

    def __len__(self):
        return len(self._plans)

    def implementations(self):
        """{key: (main implementation names, reorder names)} of the cached plans oneDNN serves."""
        return {k: (tuple(p.impl), tuple(p.reorders)) for k, p in self._plans.items() if p is not None}

    def clear(self):
        plans, self._plans = self._plans, collections.OrderedDict()
        for plan in plans.values():
            if plan is not None:
                plan.close()
