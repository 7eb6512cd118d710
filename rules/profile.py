"""What a rule needs from a policy profile: typed values by name, and evidence of them.

``policy.profiles.ResolvedProfile`` satisfies this protocol; tests may build one
with ``policy.profiles.resolve`` from the shipped YAML.
"""

from typing import Any, Protocol


class Profile(Protocol):
    key: str

    def value(self, name: str) -> Any: ...

    def evidence(self, *names: str) -> dict[str, Any]: ...
