"""The second half of COCO's concept table (``narrative.concept_rows``): ranking and retrieval, LLM tuning,
reinforcement learning, targets and transforms. Data only; split off to keep each file short."""

from __future__ import annotations

from narrative.concept_rows import Concept, _c, _not_after

TAIL_ROWS: tuple[Concept, ...] = (
    # ---- ranking / retrieval
    _c("cross_encoder", "cross-encoder re-ranker", "model", r"\bcross ?encod\w*", r"\bmono ?t5\b",
       r"\bbert (style|based) (re ?rank\w*|scor\w*)", broader=("transformer_text",)),
    _c("bi_encoder", "bi-encoder", "model", r"\bbi ?encod\w*", broader=("transformer_text",)),
    # first-stage retrieval: lexical (BM25), dense (a bi-encoder over an ANN index) and the two fused
    _c("bm25", "BM25 (lexical retrieval)", "model", r"\bbm ?25\b", r"\bokapi\b",
       r"\b(lexical|sparse|keyword) (retriev\w*|search|baseline|first stage)\b", family=True, aliases=("bm25",)),
    _c("query_expansion", "query expansion", "technique", r"\bquery expan\w*", r"\bexpan\w* (of )?(the )?quer\w*",
       r"\brm ?3\b", r"\bbo1\b", r"\bpseudo ?relevance feedback\b", r"\bprf\b", r"\brelevance feedback\b",
       desc=("add terms from the top retrieved documents to the query",)),
    _c("dense_retrieval", "dense retrieval", "model", r"\bdense (passage )?(retriev\w*|first stage|search|index)\b",
       r"\bdpr\b", r"\bcontriever\b", r"\bbge\b", r"\be5\b(?= ?(base|large|small|v2|retriev\w*|embed\w*|alone))",
       r"\b(ann|faiss|hnsw|vector) (index|search|retriev\w*)\b", r"\bembedding (based )?(retriev\w*|search)\b",
       broader=("bi_encoder",), desc=("retrieve by nearest neighbours of learned query and document embeddings",)),
    _c("hybrid_retrieval", "hybrid retrieval (lexical + dense)", "technique",
       r"\bhybrid (retriev\w*|search|first stage)", r"\brrf\b", r"\b(reciprocal )?rank fusion\b",
       r"\bfus\w* (of )?(the )?bm ?25\b", r"\bbm ?25 ?(\+|and) ?(dense|e5|bge|dpr)\b", keys=("fusion",),
       desc=("fuse the lexical and the dense rankings",)),
    _c("late_interaction", "late interaction (ColBERT)", "model", r"\bcol ?bert\w*", r"\blate interaction\b",
       broader=("transformer_text",)),
    _c("learning_to_rank", "learning to rank", "model", r"\blambda ?(mart|rank)\b", r"\blearning to rank\b",
       r"\bltr\b", r"\b(pairwise|listwise) (loss|rank\w*|objective)\b", r"\bxendcg\b"),
    _c("logq", "logQ / sampling-bias correction", "technique", r"\blog ?q\b", r"\bsampl\w* bias correct\w*",
       r"\bpopularity (bias )?correct\w*", r"\bcorrect\w*\b[^.?!;]{0,60}\bpopular\w*",
       r"\bpopular\w*\b[^.?!;]{0,30}\bcorrect\w*", r"\b(item )?frequency correct\w*", broader=("sampled_softmax",)),
    _c("sampled_softmax", "sampled softmax", "technique", r"\bsampled softmax\b", r"\bin ?batch (negatives|softmax)",
       weight=1.2),
    _c("hard_negatives", "hard negatives", "technique", r"\b" + _not_after("semi") + r"hard ?neg\w*",
       r"\b" + _not_after("semi hard") + r"negative mining\b", r"\bmin(ed|ing) negatives\b",
       r"\bmin\w* (for )?(the )?hard(est)? (examples|negatives)\b", r"\bhard(est)? (example |sample )?mining\b",
       broader=("negative_sampling",),
       desc=("negatives the current model scores high", "mine the negatives the model confuses most",
             "the most confusing negatives")),
    # negatives farther than the positive but inside the margin: a variant of hard negatives, not the hardest
    _c("semi_hard_negatives", "semi-hard negatives", "technique", r"\bsemi ?hard\b", broader=("hard_negatives",)),
    # in keyword spotting / verification: negatives that sound like the target phrase
    _c("confusable_negatives", "confusable negatives", "technique", r"\bconfusab\w*", r"\bnear ?miss\w*",
       r"\bconfus(ing|ion) (words?|phrases?|utterances?|keywords?)\b",
       r"\b(phonetically|acoustically) similar\b", r"\bsound ?alikes?\b", broader=("hard_negatives",),
       desc=("negative phrases that sound like the wake word", "utterances acoustically similar to the keyword",
             "negative words that rhyme with the keyword")),
    _c("contrastive", "contrastive loss", "technique", r"\bcontrastive\b", r"\binfo ?nce\b", r"\btriplet\b",
       r"\bnt ?xent\b"),
    # ---- LLM tuning
    _c("dpo", "preference optimisation (DPO)", "technique", r"\bdpo\b", r"\bipo\b", r"\bkto\b", r"\borpo\b",
       r"\bsimpo\b", r"\bpreference (optimi[sz]\w*|tuning|pairs|data)\b", broader=("preference_tuning",)),
    _c("rlhf", "RLHF", "technique", r"\brlhf\b", r"\breward model\w*", r"\brlaif\b", broader=("preference_tuning",)),
    # ---- reinforcement learning
    _c("ppo", "PPO", "model", r"\bppo\b", r"\bproximal policy\b", broader=("policy_gradient",), family=True,
       aliases=("ppo",)),
    _c("policy_gradient", "policy-gradient methods", "model", r"\bpolicy gradients?\b",
       r"\breinforce\b(?! (the|this|that|these|those|my|our|it|what|how|a|an)\b)",
       r"\ba[23]c\b", r"\bactor ?critic\b", r"\btrpo\b", r"\bgrpo\b", weight=1.5),
    _c("dqn", "DQN", "model", r"\bdqn\b", r"\bdeep q\b", r"\bq ?learning\b", r"\brainbow\b",
       family=True, aliases=("dqn",)),
    # the DQN extensions (Rainbow's parts) are separate lines of work
    _c("double_dqn", "double DQN", "technique", r"\bdouble (dqn|q|net\w*|q ?learning)\b", r"\bddqn\b",
       broader=("dqn",), desc=("select the action with the online network and evaluate it with the target network",)),
    _c("dueling", "dueling network", "technique", r"\bdueling\b", broader=("dqn",),
       desc=("split the network into value and advantage streams",)),
    _c("n_step", "n-step returns", "technique", r"\bn ?steps?\b(?! size)", r"\b\d ?steps? (returns?|q|td|bootstrap\w*|"
       r"targets?|dqn)\b", r"\bmulti ?step (returns?|td|bootstrap\w*|targets?)\b", weight=1.5),
    _c("noisy_nets", "noisy networks", "technique", r"\bnoisy ?(nets?|networks?|layers?|linear)\b",
       r"\bparameter noise\b", desc=("learned gaussian noise on the weights for exploration",)),
    _c("distributional_rl", "distributional RL (C51, QR-DQN)", "technique", r"\bdistributional\b", r"\bc51\b",
       r"\bqr ?dqn\b", r"\biqn\b", r"\bcategorical dqn\b"),
    _c("target_network", "target network", "technique", r"\btarget (net|network)s?\b", r"\btarget sync\w*",
       r"\bpolyak\b", r"\bsoft target updates?\b"),
    _c("reward_transform", "reward transform", "technique", r"\breward (transform\w*|preprocess\w*)\b", weight=1.0),
    _c("reward_scaling", "reward scaling", "technique", r"\b(scal\w*|normali[sz]\w*|divid\w*|multipl\w*) (of )?(the )?"
       r"rewards?\b", r"\brewards? (scal\w*|normali[sz]\w*)", r"\brewards? (\w+ )?(by|/) ?\d+", r"\brw ?scale\b",
       broader=("reward_transform",)),
    _c("reward_clipping", "reward clipping", "technique", r"\bclip\w* (the )?rewards?\b", r"\brewards? clip\w*",
       broader=("reward_transform",)),
    # three lines of their own: SAC is no kin of TD3 / DDPG (a stochastic, entropy-tuned policy), and a note that
    # keeps SAC and drops TD3 ("going with sac, td3 dropped") judges two lines, not one; TD3 is DDPG's refinement
    _c("sac", "SAC", "model", r"\bsac\b", r"\bsoft actor\b", family=True, aliases=("sac",)),
    _c("ddpg", "DDPG", "model", r"\bddpg\b", family=True, aliases=("ddpg",)),
    _c("td3", "TD3", "model", r"\btd3\b", r"\btwin delayed\b", broader=("ddpg",), family=True, aliases=("td3",)),
    _c("reward_shaping", "reward shaping", "technique", r"\breward shap\w*", r"\bshaped rewards?\b",
       r"\bdense rewards?\b", r"\breward (bonus|penalt\w*)\b", desc=("add intermediate rewards for progress",)),
    _c("replay", "replay buffer", "technique", r"\b(experience )?replay\b", r"\breplay (buffer|memory)\b",
       r"\bhindsight (experience )?(replay|relabel\w*)\b",
       r"\bher\b(?= (buffer|relabel\w*))", weight=1.2),
    # prioritized replay is a variant of the replay buffer, not the buffer itself
    _c("prioritized_replay", "prioritized replay", "technique", r"\bprio(riti[sz]ed)? (experience )?replay\b",
       r"\bper\b(?= buffer)", r"\bprioriti[sz]ed (buffer|sampling)\b", broader=("replay",),
       desc=("sample transitions in proportion to their td error",)),
    _c("exploration", "exploration schedule", "technique", r"\bepsilon ?greedy\b",
       r"\b" + _not_after("data") + r"exploration\b(?! of the data)",
       r"\bentropy (bonus|coef\w*|regulari\w*)\b", r"\bent ?coef\w*", r"\b" + _not_after("of") + r"curiosity\b",
       r"\bintrinsic reward\w*"),
    _c("curriculum", "curriculum learning", "technique", r"\bcurricul\w*", desc=("start with easy examples first",)),
    _c("frame_stack", "frame stacking", "technique", r"\bframe ?stack\w*", r"\bstack\w* (\d+ )?frames\b"),
    # acting every k-th frame (the action repeated in between): a setting of the env, not frame stacking
    _c("frame_skip", "frame skip", "technique", r"\bframe ?skip\w*", r"\baction ?repeat\w*"),
    # running mean/std of the observations (VecNormalize, NormalizeObservation): a wrapper of the env
    _c("obs_norm", "observation normalization", "technique", r"\bobs(ervations?)? ?norm(ali[sz]\w*)?\b",
       r"\bnorm ?obs\b", r"\bvec ?normali[sz]e\b", r"\bnormali[sz]\w* (the )?(obs|observations?)\b"),
    _c("preference_tuning", "preference tuning", "technique", r"\balign(ment)? tuning\b",
       r"\bhuman feedback\b", weight=1.0),
    _c("sft", "supervised fine-tuning", "technique", r"\bsft\b", r"\bsupervised fine ?tun\w*",
       r"\binstruction ?tun\w*"),
    # ---- graph neural networks: molecules, citations, transactions; each architecture a variant of the family
    _c("gnn", "graph neural network", "model", r"\bgnns?\b", r"\bgraph neural (nets?|networks?)\b",
       r"\bmessage ?passing (neural )?(nets?|networks?|layers?|models?)\b", r"\bmpnns?\b", r"\bd ?mpnn\b",
       broader=("graph",), family=True, aliases=("gnn", "mpnn")),
    _c("gcn", "GCN", "model", r"\bgcns?\b", r"\bgraph conv(olution(al)?)? (nets?|networks?)\b", broader=("gnn",),
       family=True, aliases=("gcn",)),
    _c("gin", "GIN", "model", r"\bgin\b(?! (and|&) tonic)", r"\bgraph isomorphism (nets?|networks?)\b",
       broader=("gnn",), family=True, aliases=("gin",)),
    _c("gat", "GAT", "model", r"\bgat(v2)?s?\b", r"\bgraph attention (nets?|networks?)\b", broader=("gnn",),
       family=True, aliases=("gat", "gatv2")),
    _c("attentive_fp", "AttentiveFP", "model", r"\battentive ?fp\b", broader=("gnn",), family=True,
       aliases=("attentivefp",), value_aliases=("afp",)),
    _c("schnet", "SchNet / DimeNet (3D GNN)", "model", r"\bschnet\b", r"\bdime ?net\w*", r"\begnns?\b",
       r"\bpainn\b", broader=("gnn",), family=True, aliases=("schnet", "dimenet", "egnn")),
    # ---- molecules: what a molecule is turned into before a non-graph model sees it
    _c("mol_fingerprints", "molecular fingerprints", "feature", r"\bmorgan\b", r"\b[ef]cfp ?\d*\b", r"\bmaccs\b",
       r"\b(circular|molecular|chemical|extended connectivity|atom ?pair|topological) (fingerprints?|fps?)\b",
       r"\bfingerprint bits\b"),
    _c("mol_descriptors", "molecular descriptors", "feature", r"\b(molecular|physico ?chemical|phys ?chem) "
       r"descriptors?\b"),
    _c("rdkit_descriptors", "RDKit descriptors", "feature", r"\brdkit (desc\w*|features?|2d)\b",
       broader=("mol_descriptors",)),
    _c("mordred", "Mordred descriptors", "feature", r"\bmordred\b", broader=("mol_descriptors",)),
    # starting from weights learnt on another task or corpus, as opposed to from scratch
    _c("pretraining", "pretraining", "technique", r"\bpre ?training\b", r"\bpre ?train(s|ed)? (it |them )?on\b",
       r"\bpre ?train\b", r"\b(self ?supervised|contrastive|masked|continued|domain ?adaptive) pre ?train\w*",
       r"\binit\w* (\w+ ){0,2}from (a |the )?(\w+ ){0,3}checkpoints?\b", r"\bwarm ?start\w* from\b",
       keys=("pretrain", "pretraining", "pretrain_dataset", "pretrain_task", "init_checkpoint"),
       desc=("start from weights learnt on a bigger corpus instead of from scratch",)),
    # ---- targets / transforms
    _c("log_target", "log-transformed target", "feature", r"\blog ?1p\b", r"\blog (target|transform\w*|scale)\b",
       r"\blog (of )?(the )?(\w+ ){0,2}(targets?|amounts?|claims?|prices?|sales|labels?|revenue|values?|costs?|"
       r"counts?|severity|dollars|y)\b", r"\b(predict\w*|model\w*|regress\w*|fit\w*) (on )?(the )?log (of )?(the )?\w+",
       r"\blog ?transform\w*", r"\blogged target\b", r"\bbox ?cox\b",
       r"\byeo ?johnson\b", r"\bsmearing\b", r"\bsqrt (target|transform\w*)"),
    _c("per_unit_threshold", "per-unit thresholds", "tuning",
       r"\b(per|each|every) ?(unit|machine|compressor|device|sensor|asset|pump|turbine|segment|store|series|"
       r"customer|region|line|site|class)\b[^.?!;]{0,25}\b(thresholds?|cut ?offs?|alarm levels?)",
       r"\b(thresholds?|cut ?offs?)\b[^.?!;]{0,15}\b(per|for each|for every|by) (unit|machine|compressor|device|"
       r"sensor|asset|pump|turbine|segment|store|series|customer|region|line|site|class)\b",
       r"\b(separate|individual|own|dedicated|unit ?specific|device ?specific|per ?unit|local)\b[^.?!;]{0,20}"
       r"\bthresholds?\b", broader=("threshold",)),
    _c("latency", "latency", "eval", r"\blatency\b", r"\bp9[59]\b", r"\bms ?/ ?img\b", r"\binference (time|speed|cost)",
       weight=1.0),
)
