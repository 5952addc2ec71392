# The packaged /etc/hotline/hotlined.conf, from deploy/etc/hotlined.conf:
# files in /etc/hotline, the ticket store of hotline-redis.service with
# hotline's Redis user, CURVE on both endpoints with the keys hotline-setup
# makes, the dashboard and the similar-ticket index on.
s|deploy/etc/|/etc/hotline/|
s|^redis = .*|redis = unix:/run/hotline/redis.sock|
s/^#\(intake_key_file\|intake_keys\|worker_key_file\|worker_keys\) = /\1 = /
s/^#\(redis_user\|redis_password_file\|http_endpoint\|http_token_file\|tickets_db\) = /\1 = /
