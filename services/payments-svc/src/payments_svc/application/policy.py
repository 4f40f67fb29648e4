"""Use case: a practice admin sets the tenant's posting policy."""

from __future__ import annotations

from openrcm_shared.db import UnitOfWork, utcnow
from payments_svc.adapters.repository import PostingSettingsRepository
from payments_svc.domain.era_file import PostingSettings


async def set_posting_settings(uow: UnitOfWork, *, tenant_id: str, actor: str,
                               auto_post_clean_remits: bool) -> PostingSettings:
    settings = PostingSettings(tenant_id=tenant_id, auto_post_clean_remits=auto_post_clean_remits, updated_by=actor,
                               updated_at=utcnow())
    await PostingSettingsRepository(uow.session).save(settings)
    uow.audit(tenant_id=tenant_id, actor=actor, action="update", entity_type="posting_settings", entity_id=tenant_id,
              details={"auto_post_clean_remits": auto_post_clean_remits})
    await uow.commit()
    return settings
