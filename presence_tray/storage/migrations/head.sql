-- The schema at revision 0005, exactly as running every migration makes it.
-- Written by `python -m presence_tray.storage.schema`: do not edit by hand.
-- head: 0005
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE accounts (
	platform VARCHAR NOT NULL, 
	account_id VARCHAR NOT NULL, 
	label VARCHAR NOT NULL, 
	enabled BOOLEAN DEFAULT 1 NOT NULL, 
	settings_json TEXT DEFAULT '{}' NOT NULL, sign_in_problem TEXT, 
	CONSTRAINT pk_accounts PRIMARY KEY (platform, account_id)
);
CREATE TABLE people (
	person_id VARCHAR NOT NULL, 
	display_name VARCHAR, 
	favourite BOOLEAN DEFAULT 0 NOT NULL, 
	CONSTRAINT pk_people PRIMARY KEY (person_id)
);
CREATE TABLE identities (
	platform VARCHAR NOT NULL, 
	account_id VARCHAR NOT NULL, 
	remote_id VARCHAR NOT NULL, 
	display_name VARCHAR NOT NULL, 
	handles_json TEXT DEFAULT '[]' NOT NULL, 
	chat_url VARCHAR, 
	person_id VARCHAR NOT NULL, 
	linked_by_user BOOLEAN DEFAULT 0 NOT NULL, unlisted_at DOUBLE, 
	CONSTRAINT pk_identities PRIMARY KEY (platform, account_id, remote_id), 
	CONSTRAINT fk_identities_person_id_people FOREIGN KEY(person_id) REFERENCES people (person_id) ON DELETE CASCADE
);
CREATE TABLE never_link (
	first_platform VARCHAR NOT NULL, 
	first_account_id VARCHAR NOT NULL, 
	first_remote_id VARCHAR NOT NULL, 
	second_platform VARCHAR NOT NULL, 
	second_account_id VARCHAR NOT NULL, 
	second_remote_id VARCHAR NOT NULL, 
	CONSTRAINT pk_never_link PRIMARY KEY (first_platform, first_account_id, first_remote_id, second_platform, second_account_id, second_remote_id)
);
CREATE TABLE presence_cache (
	platform VARCHAR NOT NULL, 
	account_id VARCHAR NOT NULL, 
	remote_id VARCHAR NOT NULL, 
	state VARCHAR NOT NULL, 
	dnd BOOLEAN DEFAULT 0 NOT NULL, 
	activity_kind VARCHAR, 
	activity_text VARCHAR, 
	activity_emoji VARCHAR, 
	activity_until DOUBLE, 
	note VARCHAR, 
	source VARCHAR NOT NULL, 
	observed_at DOUBLE NOT NULL, 
	last_active_at DOUBLE, 
	CONSTRAINT pk_presence_cache PRIMARY KEY (platform, account_id, remote_id)
);
CREATE TABLE presence_history (
	id INTEGER NOT NULL, 
	platform VARCHAR NOT NULL, 
	account_id VARCHAR NOT NULL, 
	remote_id VARCHAR NOT NULL, 
	state VARCHAR NOT NULL, 
	dnd BOOLEAN NOT NULL, 
	activity_kind VARCHAR, 
	at DOUBLE NOT NULL, 
	CONSTRAINT pk_presence_history PRIMARY KEY (id)
);
CREATE TABLE preferences (
	"key" VARCHAR NOT NULL, 
	value_json TEXT NOT NULL, 
	CONSTRAINT pk_preferences PRIMARY KEY ("key")
);
CREATE TABLE dnd_rules (
	id INTEGER NOT NULL, 
	weekdays INTEGER NOT NULL, 
	start VARCHAR NOT NULL, 
	"end" VARCHAR NOT NULL, 
	timezone VARCHAR NOT NULL, 
	enabled BOOLEAN DEFAULT 1 NOT NULL, 
	CONSTRAINT pk_dnd_rules PRIMARY KEY (id)
);
CREATE TABLE dnd_state (
	id INTEGER NOT NULL, 
	snooze_until DOUBLE, 
	vacation_start DOUBLE, 
	vacation_end DOUBLE, 
	vacation_message VARCHAR, 
	CONSTRAINT pk_dnd_state PRIMARY KEY (id), 
	CONSTRAINT ck_dnd_state_single_row CHECK (id = 1)
);
CREATE TABLE notification_rules (
	person_id VARCHAR NOT NULL, 
	notify_on VARCHAR NOT NULL, 
	once BOOLEAN DEFAULT 0 NOT NULL, 
	cooldown_seconds DOUBLE NOT NULL, 
	CONSTRAINT pk_notification_rules PRIMARY KEY (person_id, notify_on)
);
CREATE TABLE webhooks (
	id VARCHAR NOT NULL, 
	url TEXT NOT NULL, 
	on_own_status BOOLEAN DEFAULT 0 NOT NULL, 
	person_ids_json TEXT DEFAULT '[]' NOT NULL, 
	templates_json TEXT DEFAULT '{}' NOT NULL, 
	created_at DOUBLE NOT NULL, 
	CONSTRAINT pk_webhooks PRIMARY KEY (id)
);
CREATE INDEX ix_identities_person_id ON identities (person_id);
CREATE INDEX ix_presence_history_identity_at ON presence_history (platform, account_id, remote_id, at);
CREATE INDEX ix_presence_history_at ON presence_history (at);
INSERT INTO alembic_version (version_num) VALUES ('0005');
