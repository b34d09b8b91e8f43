"""GADSG and GDSG: hybrid (discrete + continuous) diffusion over the LAENet instance graph.

- :mod:`agents.gadsg.features`: the instance graph (node / edge features, normalisation);
- :mod:`agents.gadsg.encoders`: the denoiser network (GAT encoder for GADSG, GCN for GDSG);
- :mod:`agents.gadsg.diffusion`: the hybrid diffusion (Bernoulli edges, Gaussian shares);
- :mod:`agents.gadsg.decode`: sampling and capacity-aware decoding;
- :mod:`agents.gadsg.train`: training on certified optima (``offload-gym train gadsg``);
- :mod:`agents.gadsg.policy`: a trained model as a solver / evaluation policy;
- :mod:`agents.gadsg.report`: the tables and figures of docs/results-laenet.md
  (``python -m agents.gadsg.report``).
"""

PROBLEM = "laenet"  # the problem these methods solve
PROBLEMS = (PROBLEM,)
# method name -> one-line description (solvers, policies and trainers are registered under it)
METHODS: dict[str, str] = {
    "gadsg": "GADSG: graph-attention hybrid diffusion",
    "gdsg": "GDSG: the same diffusion with a GCN-style encoder",
}
POLICY_MODULE = "agents.gadsg.policy"
TRAINER = "agents.gadsg.train:main"
TRAINER_DESCRIPTIONS = {
    "gadsg": "GADSG diffusion model on certified LAENet optima",
    "gdsg": "GDSG (GCN encoder) on certified LAENet optima",
}
