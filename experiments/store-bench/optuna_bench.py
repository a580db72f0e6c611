"""Optuna 3.1 RDB storage on PostgreSQL, for the store benchmark (run.sh): trials claimed and completed per second.

URL: postgresql://... or sqlite:///FILE.
usage: optuna_bench.py fill URL STUDY N          # N completed trials with a zero-cost objective (one process)
       optuna_bench.py work URL STUDY N [READY GO]  # one worker: N more trials (run.sh starts W of them at once);
                                                    # creates READY once the study is loaded, then waits for GO
"""
import os
import random
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(trial):
    # zero-cost, three objectives like the fspinn study (accuracy, memory, energy)
    n = trial.suggest_int("neurons", 25, 50000, step=25)
    bits = trial.suggest_categorical("bits", [32, 8, 4])
    net = trial.suggest_categorical("network", ["bindsnet", "fspinn"])
    return n / 50000.0, n * bits / 8.0, n * (0.3 if net == "fspinn" else 1.0)


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
        open(sys.argv[5], "w").close()
        while not os.path.exists(sys.argv[6]):
            time.sleep(0.005)
    if mode == "fill":
        # the same trials as n optimize() calls would store, written with add_trials (no sampling; not timed)
        rng = random.Random(os.getpid())   # fill processes run side by side: each its own trials
        dists = {"neurons": optuna.distributions.IntDistribution(25, 50000, step=25),
                 "bits": optuna.distributions.CategoricalDistribution([32, 8, 4]),
                 "network": optuna.distributions.CategoricalDistribution(["bindsnet", "fspinn"])}
        trials = []
        for _ in range(n):
            params = {"neurons": 25 * rng.randint(1, 2000), "bits": rng.choice([32, 8, 4]), "network": rng.choice(["bindsnet", "fspinn"])}
            trials.append(optuna.trial.create_trial(params=params, distributions=dists,
                                                    values=list(objective(optuna.trial.FixedTrial(params)))))
        study.add_trials(trials)
        return
    study.optimize(objective, n_trials=n)


if __name__ == "__main__":
    main()
