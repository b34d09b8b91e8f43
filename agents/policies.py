"""Old plug-in module of the evaluation harness: importing it registers every agent method
(now done by :func:`agents.registration.register`). Kept while
``offload_gym.evaluation.registry`` still imports it by default; new code: use
:mod:`agents.registration`."""

from agents.registration import register

register()
