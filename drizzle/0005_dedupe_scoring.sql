CREATE TABLE `duplicates` (
	`id` text PRIMARY KEY NOT NULL,
	`a` text NOT NULL,
	`b` text NOT NULL,
	`probability` real NOT NULL,
	`evidence` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`decided_at` integer,
	`decided_by` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `duplicates_pair` ON `duplicates` (`a`,`b`);--> statement-breakpoint
CREATE INDEX `duplicates_status` ON `duplicates` (`status`,`id`);--> statement-breakpoint
CREATE TABLE `push_queue` (
	`contact_id` text PRIMARY KEY NOT NULL,
	`queued_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `contacts` ADD `score` text;