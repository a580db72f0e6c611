"""Optuna 3.1 RDB storage on PostgreSQL, for the store benchmark (run.sh): trials claimed and completed per second.

URL: postgresql://... or sqlite:///FILE.
usage: optuna_bench.py fill URL STUDY N          # N completed trials with a zero-cost objective (one process)
       optuna_bench.py work URL STUDY N [READY GO]  # one worker: N more trials (run.sh starts W of them at once);
                                                    # creates READY once the study and its trials are loaded, then
                                                    # waits for GO

fill writes the N trials in one transaction through Optuna's own ORM models (optuna.storages._rdb.models: a
TrialModel per trial, numbered 0..N-1, with its TrialParamModel and TrialValueModel rows, as create_new_trial writes
them), instead of add_trials, which takes the study lock and counts the past trials once per trial (10,000 trials did
not fit in a session's time). The stored rows are what optimize() would have stored (COMPLETE, three values, three
params with their distributions); only the timestamps are the fill's.
"""
import datetime
import os
import random
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(trial):
    # zero-cost, three objectives like the fspinn study (accuracy, memory, energy)
    n = trial.suggest_int("neurons", 25, 100000, step=25)
    bits = trial.suggest_categorical("bits", [32, 8, 4])
    net = trial.suggest_categorical("network", ["bindsnet", "fspinn"])
    return n / 100000.0, n * bits / 8.0, n * (0.3 if net == "fspinn" else 1.0)


def main():
    mode, url, name, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    if url.startswith("sqlite:"):
        # wait for SQLite's write lock as long as fspinn does (10 min), not SQLAlchemy's default 5 s
        storage = optuna.storages.RDBStorage(url, engine_kwargs={"connect_args": {"timeout": 600}})
    else:
        storage = optuna.storages.RDBStorage(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    study = optuna.create_study(study_name=name, storage=storage, directions=["minimize"] * 3, load_if_exists=True,
                                sampler=optuna.samplers.RandomSampler(seed=1))
    if len(sys.argv) > 6:
        # read the stored trials once before saying ready (Optuna's storage cache then reads only what changes), as an
        # fspinn worker reads and replays them before it says ready
        study.get_trials(deepcopy=False)
        open(sys.argv[5], "w").close()
        while not os.path.exists(sys.argv[6]):
            time.sleep(0.005)
    if mode == "fill":
        fill(storage, study, n)
        return
    study.optimize(objective, n_trials=n)


def fill(storage, study, n):
    """n COMPLETE trials (random parameters, seed 1) in one transaction, through Optuna's ORM models (not timed)."""
    from optuna.storages._rdb import models
    rng = random.Random(1)
    dists = {"neurons": optuna.distributions.IntDistribution(25, 100000, step=25),
             "bits": optuna.distributions.CategoricalDistribution([32, 8, 4]),
             "network": optuna.distributions.CategoricalDistribution(["bindsnet", "fspinn"])}
    dist_json = {k: optuna.distributions.distribution_to_json(d) for k, d in dists.items()}
    session = storage.scoped_session()
    study_id = study._study_id
    first = session.query(models.TrialModel).filter(models.TrialModel.study_id == study_id).count()
    now = datetime.datetime.now()
    for k in range(first, first + n):
        params = {"neurons": 25 * rng.randint(1, 4000), "bits": rng.choice([32, 8, 4]), "network": rng.choice(["bindsnet", "fspinn"])}
        trial = models.TrialModel(number=k, study_id=study_id, state=optuna.trial.TrialState.COMPLETE,
                                  datetime_start=now, datetime_complete=now)
        trial.params = [models.TrialParamModel(param_name=name, param_value=dists[name].to_internal_repr(value),
                                               distribution_json=dist_json[name]) for name, value in params.items()]
        stored = [models.TrialValueModel.value_to_stored_repr(v) for v in objective(optuna.trial.FixedTrial(params))]
        trial.values = [models.TrialValueModel(objective=i, value=v, value_type=t) for i, (v, t) in enumerate(stored)]
        session.add(trial)
    session.commit()
    session.close()
    assert len(study.get_trials(deepcopy=False)) == first + n


if __name__ == "__main__":
    main()
