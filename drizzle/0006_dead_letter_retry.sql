ALTER TABLE `dead_letters` ADD `retryable` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `dead_letters` ADD `next_attempt_at` integer;--> statement-breakpoint
CREATE INDEX `dead_letters_due` ON `dead_letters` (`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `dead_letters_contact` ON `dead_letters` (`contact_id`);