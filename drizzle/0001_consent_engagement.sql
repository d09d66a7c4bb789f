CREATE TABLE `consent_events` (
	`id` text PRIMARY KEY NOT NULL,
	`contact_id` text NOT NULL,
	`channel` text NOT NULL,
	`purpose` text,
	`state` text NOT NULL,
	`explicit` integer NOT NULL,
	`legal_basis` text,
	`source` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`evidence` text NOT NULL,
	`recorded_at` integer NOT NULL,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `consent_events_contact` ON `consent_events` (`contact_id`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `engagement_events` (
	`key` text PRIMARY KEY NOT NULL,
	`contact_id` text NOT NULL,
	`system` text NOT NULL,
	`type` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`title` text,
	`detail` text NOT NULL,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `engagement_events_contact` ON `engagement_events` (`contact_id`,`occurred_at`);