<?php
/**
 * @package PostFlow
 */

use PHPUnit\Framework\TestCase;

final class RetryPolicyTest extends TestCase {

	public function test_backoff_is_1_5_15_60_180_minutes_then_every_6_hours_up_to_20_attempts() {
		$delays = array();
		for ( $attempts = 1; $attempts <= 20; $attempts++ ) {
			$delays[] = Postflow_Retry_Policy::delay_after( $attempts );
		}
		$this->assertSame( array( 60, 300, 900, 3600, 10800 ), array_slice( $delays, 0, 5 ) );
		$this->assertSame( array_fill( 0, 14, 21600 ), array_slice( $delays, 5, 14 ) );
		$this->assertNull( $delays[19] );
		$this->assertNull( Postflow_Retry_Policy::delay_after( 21 ) );
	}

	public function test_postflows_2xx_is_delivered_400_401_403_413_are_final_the_rest_is_retried() {
		$accepted = array(
			'accepted'  => true,
			'event_id'  => 'wp-1',
			'duplicate' => false,
		);
		foreach ( array( 200, 202, 204, 299 ) as $status ) {
			$this->assertSame( 'delivered', Postflow_Retry_Policy::outcome( $status, $accepted ), (string) $status );
		}
		foreach ( array( 400, 401, 403, 413 ) as $status ) {
			$this->assertSame( 'failed', Postflow_Retry_Policy::outcome( $status ), (string) $status );
		}
		foreach ( array( 0, 301, 404, 408, 409, 429, 500, 502, 503, 504 ) as $status ) {
			$this->assertSame( 'retry', Postflow_Retry_Policy::outcome( $status ), (string) $status );
		}
	}

	public function test_a_2xx_that_is_not_postflows_answer_is_retried() {
		foreach ( array( null, array(), array( 'accepted' => 'true' ), array( 'ok' => true ), 'accepted' ) as $answer ) {
			$this->assertSame( 'retry', Postflow_Retry_Policy::outcome( 200, $answer ), (string) json_encode( $answer ) );
		}
		$this->assertSame( 'retry', Postflow_Retry_Policy::outcome( 202 ) );
	}
}
