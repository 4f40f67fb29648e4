"""Use cases: read and replace the tenant's billing policy (defaults until it sets one)."""

from __future__ import annotations

from datetime import datetime

from openrcm_shared.db import UnitOfWork
from patient_billing_svc.adapters.repository import PolicyRepository
from patient_billing_svc.domain.policy import BillingPolicy


async def get_policy(uow: UnitOfWork, *, tenant_id: str) -> BillingPolicy:
    return await PolicyRepository(uow.session).get(tenant_id)


async def put_policy(uow: UnitOfWork, *, tenant_id: str, actor: str, policy: BillingPolicy, now: datetime
                     ) -> BillingPolicy:
    await PolicyRepository(uow.session).put(tenant_id, policy, actor=actor, now=now)
    uow.audit(tenant_id=tenant_id, actor=actor, action="update", entity_type="billing_policy", entity_id=tenant_id)
    await uow.commit()
    return policy
