from casework.choices import Role
from casework.models import User

SYSTEM_USERNAME = "system"


def system_actor() -> User:
    """The account the sweep and other automatic steps act as (audited like any actor)."""
    user, _created = User.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"role": Role.SYSTEM, "is_active": True}
    )
    return user
