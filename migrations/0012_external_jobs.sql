-- 0012: the external job a task instance's try started and follows (an
-- EMR step or cluster, a Slurm job, a command backend's job), written by
-- the try's own process right after the job was submitted and before it
-- waits for it. A later try of the same task instance whose predecessor
-- was lost (its process killed, its scheduler crashed) follows that job
-- instead of submitting a new one; a task that created an EMR cluster
-- leaves its id here for the tasks that name it (cluster_from:).
-- state: running (submitted, its end not seen yet) | ended (its try saw
-- its end, or cancelled it). One row per task instance: a new
-- submission replaces it. Goes with its task instance.
CREATE TABLE external_jobs (
    ti_id           INTEGER PRIMARY KEY REFERENCES task_instances (id) ON DELETE CASCADE,
    try_number      INTEGER NOT NULL,-- the try that submitted it
    kind            TEXT NOT NULL,   -- emr_step | emr_cluster | slurm | command
    job_id          TEXT NOT NULL,   -- emr_step: CLUSTER/STEP; else the id
    state           TEXT NOT NULL,   -- running | ended
    recorded_at     INTEGER NOT NULL,-- ms, when it was submitted
    updated_at      INTEGER NOT NULL
);
