"""Deprecated: the old plug-in module of the evaluation harness (importing it registered the
agents' policies). The agents now register through the ``offload_gym.methods`` entry point,
:func:`agents.registration.register`; importing this module still registers them (source
checkouts without entry-point metadata fall back to it) and warns. Removed next release."""

import warnings

from agents._deprecated import deprecation_message
from agents.registration import register

warnings.warn(deprecation_message(__name__, "agents.registration.register()"),
              DeprecationWarning, stacklevel=2)
register()
